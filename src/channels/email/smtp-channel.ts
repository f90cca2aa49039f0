import nodemailer, { type Transporter } from 'nodemailer';
import type { Channel, OutboundMessage, SendResult } from '../channel.ts';
import { mailOptionsFor } from './mail-options.ts';
import { smtpFailure } from './smtp-failure.ts';
import { type SmtpSettings, parseSmtpUrl } from './smtp-url.ts';

/** How to reach the SMTP server (a URL, or its parts as stored settings give them) and whom messages come from. */
export type SmtpChannelOptions = ({ url: string } | { server: SmtpSettings }) & {
  from: string;
  replyTo?: string | null;
  maxConnections?: number;
};

/** How many connections an SMTP pool opens unless told otherwise. */
export const SMTP_DEFAULT_CONNECTIONS = 5;

/** Sends email through an SMTP server over a small pool of reused connections. */
export class SmtpChannel implements Channel {
  readonly name = 'email';
  readonly concurrency: number;
  readonly #from: string;
  readonly #replyTo: string | null;
  readonly #secrets: string[];
  readonly #transport: Transporter;

  constructor(options: SmtpChannelOptions) {
    const settings = 'url' in options ? parseSmtpUrl(options.url) : options.server;
    this.#from = options.from;
    this.#replyTo = options.replyTo ?? null;
    this.concurrency = options.maxConnections ?? SMTP_DEFAULT_CONNECTIONS;
    const pass = settings.auth?.pass ?? '';
    this.#secrets = [pass, encodeURIComponent(pass)];
    this.#transport = nodemailer.createTransport({
      pool: true,
      ...settings,
      maxConnections: this.concurrency,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
      // nodemailer's logger would print the AUTH exchange; we report outcomes through SendResult instead.
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  /** Sends one message; never throws, every problem comes back as a `failed` result. */
  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      const info = await this.#transport.sendMail(mailOptionsFor(message, this.#from, this.#replyTo));
      return { status: 'sent', providerId: String(info.messageId), response: String(info.response ?? '') };
    } catch (error) {
      return smtpFailure(error, this.#secrets);
    }
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    this.#transport.close();
  }
}
