/** One message ready to leave; `id` and `idempotencyKey` are stable across retries of the same step. */
export interface OutboundMessage {
  id: string;
  idempotencyKey: string;
  channel: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
}

/** What a provider said; `permanent` failures must not be retried with the same content and address. */
export type SendResult =
  | { status: 'sent'; providerId: string }
  | { status: 'failed'; error: string; permanent: boolean };

/** A way to reach a person (email, SMS, …). */
export interface Channel {
  readonly name: string;
  send(message: OutboundMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

/**
 * Header through which callers hand a channel the one-click unsubscribe URL; email channels turn it into
 * RFC 8058 `List-Unsubscribe` + `List-Unsubscribe-Post` and never send it as is.
 */
export const UNSUBSCRIBE_LINK_HEADER = 'List-Unsubscribe-Link';
