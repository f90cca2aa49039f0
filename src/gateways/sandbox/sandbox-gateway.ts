import { createHash } from 'node:crypto';
import { isCurrency, isMinorAmount } from '../../domain/money.ts';
import {
  type ChargeRequest,
  type ChargeResult,
  IdempotencyMismatchError,
  type PaymentGateway,
} from '../gateway.ts';
import type { SandboxLedger, StoredCharge } from './ledger.ts';
import { sandboxOutcome } from './tokens.ts';

/** A deterministic gateway with Stripe's idempotency semantics, for tests, demos and simulations. */
export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox';
  readonly chargesPerInvoice = false;
  private readonly ledger: SandboxLedger;
  private readonly now: () => number;

  constructor(options: { ledger: SandboxLedger; now: () => number }) {
    this.ledger = options.ledger;
    this.now = options.now;
  }

  /** Charges once per idempotency key; a replay returns the first result, a changed replay is rejected. */
  async charge(request: ChargeRequest): Promise<ChargeResult> {
    validate(request);
    const existing = await this.ledger.find(request.idempotencyKey);
    if (existing) return replay(existing, request);
    const earlier = await this.ledger.countForToken(request.token);
    const now = this.now();
    const outcome = sandboxOutcome(request.token, earlier, now);
    const chargeId = chargeIdFor(request.idempotencyKey);
    const result: ChargeResult =
      outcome.status === 'succeeded' ? { status: 'succeeded', chargeId } : { ...outcome, chargeId };
    const stored: StoredCharge = {
      idempotencyKey: request.idempotencyKey,
      token: request.token,
      amount: request.amount,
      currency: request.currency,
      result,
      createdAt: now,
    };
    // A racing caller with the same key may have stored first; its row is the answer for both.
    return replay(await this.ledger.insertIfAbsent(stored), request);
  }
}

function replay(stored: StoredCharge, request: ChargeRequest): ChargeResult {
  const same =
    stored.token === request.token &&
    stored.amount === request.amount &&
    stored.currency === request.currency;
  if (!same) {
    throw new IdempotencyMismatchError(
      `idempotency key "${request.idempotencyKey}" was first used for ${stored.amount} ${stored.currency} on ` +
        `${stored.token}, now for ${request.amount} ${request.currency} on ${request.token}`,
    );
  }
  return stored.result;
}

function validate(request: ChargeRequest): void {
  if (request.idempotencyKey === '') throw new TypeError('idempotencyKey must not be empty');
  if (!isMinorAmount(request.amount) || request.amount === 0) {
    throw new RangeError(`amount must be a positive integer of minor units, got ${request.amount}`);
  }
  if (!isCurrency(request.currency.toUpperCase())) {
    throw new RangeError(`currency must be an ISO 4217 code, got "${request.currency}"`);
  }
}

// Derived from the key so a replay, a restart or a second worker all see the same charge id.
function chargeIdFor(idempotencyKey: string): string {
  return `ch_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}
