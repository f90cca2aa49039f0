import type { ChargeResult } from '../gateway.ts';

/** One charge the sandbox decided, keyed by its idempotency key. */
export interface StoredCharge {
  idempotencyKey: string;
  token: string;
  amount: number;
  currency: string;
  result: ChargeResult;
  createdAt: number;
}

/** Where the sandbox remembers its charges, so replays return the first answer as Stripe's do. */
export interface SandboxLedger {
  find(key: string): Promise<StoredCharge | undefined>;
  /** Stores the charge unless its key is taken; returns the row that won, which may be another caller's. */
  insertIfAbsent(charge: StoredCharge): Promise<StoredCharge>;
  /** How many distinct charges (idempotency keys) were made on this token. */
  countForToken(token: string): Promise<number>;
}
