import type { Logger } from 'pino';
import type { Clock } from '../../engine/clock.ts';
import type { FieldCipher } from '../../security/field-cipher.ts';
import type { Database } from '../../store/database.ts';
import type { IntentLike } from '../stripe/stripe-failures.ts';
import type { TimeZoneSettings } from '../../domain/synced-time-zone.ts';

/** What an inbound webhook handler works with; `secret` is null when the operator has not configured one. */
export interface WebhookContext {
  readonly database: Database;
  /** Encrypts customer contact data on its way in, as imports do (the runtime's `deps.cipher`). */
  readonly cipher: FieldCipher;
  readonly secret: string | null;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How old a signature's timestamp may be, in seconds; 300 by default, as Stripe's SDK. */
  readonly toleranceSeconds?: number;
  /**
   * Reads a Stripe payment intent (with RECOUP_STRIPE_SECRET_KEY): an `invoice.payment_failed` names the failed
   * charge's intent without its decline, which is looked up here. Absent: the decline is learnt at the next sync.
   */
  readonly paymentIntent?: ((id: string) => Promise<IntentLike>) | null;
  /** How customers' time zones are chosen when the sender states none; Recoup's defaults when left out. */
  readonly timeZones?: TimeZoneSettings;
}

/** The request as the HTTP layer received it: the raw body (signatures cover its exact bytes) and the header. */
export interface WebhookRequest {
  readonly rawBody: Buffer | string;
  /** The `Stripe-Signature` or `Recoup-Signature` header, as sent. */
  readonly signature: string | undefined;
  /** When it was received, epoch ms; the context's clock when left out. */
  readonly now?: number;
}

/** What happened to an accepted event. The HTTP layer answers 200 to all three, so the sender stops retrying. */
export interface WebhookResult {
  readonly status: 'applied' | 'duplicate' | 'ignored';
  readonly eventId: string;
  readonly type: string;
  /** Why an event was ignored (unknown type, stale, unknown object); never personal data. */
  readonly reason?: string;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
