import type { Channel } from '../channel.ts';
import { OutboxChannel } from './outbox-channel.ts';
import { SmtpChannel } from './smtp-channel.ts';
import { parseSmtpUrl } from './smtp-url.ts';

/** Sender address, and where the outbox goes when no SMTP server is configured. */
export interface EmailChannelOptions {
  from: string;
  outboxFolder?: string;
}

/** SMTP when `RECOUP_SMTP_URL` is set, else the file outbox; a malformed URL throws an error naming the variable. */
export function emailChannelFromEnv(
  env: Record<string, string | undefined>,
  options: EmailChannelOptions,
): Channel {
  const url = env['RECOUP_SMTP_URL']?.trim();
  if (!url) return new OutboxChannel({ from: options.from, folder: options.outboxFolder });
  parseSmtpUrl(url, 'RECOUP_SMTP_URL');
  return new SmtpChannel({ url, from: options.from });
}
