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

/**
 * What a provider said; `permanent` failures must not be retried with the same content and address. `response` is
 * the provider's own acceptance (an SMTP server's `250 … queued as …` line), kept with the message so a person can
 * find it in the provider's logs.
 */
export type SendResult =
  | { status: 'sent'; providerId: string; response?: string }
  | { status: 'failed'; error: string; permanent: boolean };

/** A way to reach a person (email, SMS, …). */
export interface Channel {
  readonly name: string;
  /**
   * How many sends the engine hands this channel at once; it is also how many messages a crash can leave `unknown`,
   * since each message's intent is committed just before its send (default: the engine's gateway concurrency).
   */
  readonly concurrency?: number;
  send(message: OutboundMessage): Promise<SendResult>;
  /**
   * Whether a message whose send was interrupted left: true (it did), false (it did not, and sending it again with
   * the same id is safe), null (the channel cannot tell). Channels without it cannot tell.
   */
  wasSent?(id: string): Promise<boolean | null>;
  close?(): Promise<void>;
}

/**
 * Header through which callers hand a channel the one-click unsubscribe URL; email channels turn it into
 * RFC 8058 `List-Unsubscribe` + `List-Unsubscribe-Post` and never send it as is.
 */
export const UNSUBSCRIBE_LINK_HEADER = 'List-Unsubscribe-Link';
