import type { SandboxLedger, StoredCharge } from './ledger.ts';

/** A sandbox ledger in process memory, for tests and the demo; lost on exit. */
export class MemoryLedger implements SandboxLedger {
  private readonly byKey = new Map<string, StoredCharge>();
  // Counted as charges arrive, so the demo's hundreds of thousands of charges stay linear.
  private readonly perToken = new Map<string, number>();

  /** The stored charge for `key`, if any. */
  async find(key: string): Promise<StoredCharge | undefined> {
    return this.byKey.get(key);
  }

  /** Keeps the first charge stored under a key; later callers get that one back. */
  async insertIfAbsent(charge: StoredCharge): Promise<StoredCharge> {
    const existing = this.byKey.get(charge.idempotencyKey);
    if (existing) return existing;
    this.byKey.set(charge.idempotencyKey, charge);
    this.perToken.set(charge.token, (this.perToken.get(charge.token) ?? 0) + 1);
    return charge;
  }

  /** Distinct charges made on `token`. */
  async countForToken(token: string): Promise<number> {
    return this.perToken.get(token) ?? 0;
  }
}
