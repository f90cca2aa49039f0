import type { SendMailOptions } from 'nodemailer';
import { type OutboundMessage, UNSUBSCRIBE_LINK_HEADER } from '../channel.ts';

/** Carries the step's idempotency key so a provider or a person can spot a duplicate send. */
export const IDEMPOTENCY_HEADER = 'X-Recoup-Idempotency-Key';

// Headers Recoup sets itself; a caller-supplied copy would contradict the message and is dropped.
const RESERVED = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  IDEMPOTENCY_HEADER.toLowerCase(),
]);

/**
 * Builds the nodemailer message for an outbound email, with RFC 8058 one-click unsubscribe when a link is given and
 * a Reply-To when the sender set one.
 */
export function mailOptionsFor(
  message: OutboundMessage,
  from: string,
  replyTo: string | null = null,
): SendMailOptions {
  const headers: Record<string, string> = {};
  let unsubscribe: string | null = null;
  for (const [name, raw] of Object.entries(message.headers)) {
    // A line break in a value would let it start a header of its own.
    const value = raw.replace(/[\r\n]+/g, ' ').trim();
    const key = name.toLowerCase();
    if (key === UNSUBSCRIBE_LINK_HEADER.toLowerCase()) unsubscribe = value.replace(/^<(.*)>$/, '$1');
    else if (!RESERVED.has(key)) headers[name] = value;
  }
  headers[IDEMPOTENCY_HEADER] = message.idempotencyKey;
  if (unsubscribe) {
    headers['List-Unsubscribe'] = `<${unsubscribe}>`;
    // RFC 8058 defines one-click only for HTTPS targets.
    if (unsubscribe.startsWith('https://')) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return {
    from,
    ...(replyTo === null ? {} : { replyTo }),
    to: message.to,
    subject: message.subject,
    text: message.text,
    ...(message.html === null ? {} : { html: message.html }),
    messageId: messageIdFor(message.id, from),
    headers,
  };
}

/** A stable RFC 5322 Message-ID for a message id, in the sender's domain: the same message always gets the same one. */
export function messageIdFor(id: string, from: string): string {
  const local = id.replace(/[^A-Za-z0-9._-]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `<${local}@${domainOf(from)}>`;
}

function domainOf(from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1];
  return domain ?? 'recoup.invalid';
}
