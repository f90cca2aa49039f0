/** Why an inbound webhook was refused; the HTTP layer sends `status` and these words back to the sender. */
export type RejectionReason =
  | 'not-configured'
  | 'missing-signature'
  | 'invalid-signature'
  | 'timestamp-outside-tolerance'
  | 'malformed-payload'
  | 'conflict';

/** One field at fault, in the API's problem-document shape: `data.total` and why. */
export interface RejectedField {
  readonly field: string;
  readonly reason: string;
}

const STATUS: Record<RejectionReason, number> = {
  // The sender retries a 5xx, so its events apply once an operator sets the secret.
  'not-configured': 503,
  'missing-signature': 400,
  'invalid-signature': 400,
  'timestamp-outside-tolerance': 400,
  'malformed-payload': 400,
  // Well-formed, but contradicts what Recoup holds (an invoice's currency changed): nothing was written.
  conflict: 422,
};

/**
 * Raised when an inbound webhook is refused. Nothing from the event was written and it is not recorded as seen,
 * so the sender's retry (or a corrected event with the same id) is processed afresh.
 */
export class WebhookRejectedError extends Error {
  override readonly name = 'WebhookRejectedError';
  readonly status: number;
  readonly reason: RejectionReason;
  readonly errors: readonly RejectedField[];

  constructor(reason: RejectionReason, message: string, errors: readonly RejectedField[] = []) {
    super(message);
    this.reason = reason;
    this.status = STATUS[reason];
    this.errors = errors;
  }
}
