import addressparser from 'nodemailer/lib/addressparser';
import type { FieldError } from './validation.ts';

/** How the connection to the SMTP server is protected: implicit TLS (465), STARTTLS required (587), or nothing. */
export type SmtpSecurity = 'tls' | 'starttls' | 'none';

/** The SMTP server and sender an admin stores; the password is kept apart from them, encrypted. */
export interface EmailSettings {
  readonly host: string;
  readonly port: number;
  readonly security: SmtpSecurity;
  /** null: the server takes mail without AUTH (a local relay). */
  readonly username: string | null;
  /** An RFC 5322 mailbox: `Acme Billing <billing@acme.test>` or `billing@acme.test`. */
  readonly from: string;
  readonly replyTo: string | null;
}

/** Settings with the password in the clear: what a channel connects with, never what the API shows. */
export interface EmailServer extends EmailSettings {
  readonly password: string | null;
}

// RFC 1123 host names (letters, digits, hyphens; dot-separated labels of at most 63), as nodemailer dials them.
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// Written bare (::1), as nodemailer dials it, not in a URL's brackets.
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
// The address part of a mailbox: a dot-atom local part at a host name with at least one dot.
const ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Why `text` is not a host name or IP address nodemailer can dial, or null when it is one. */
export function hostProblem(text: string): string | null {
  if (HOST_NAME.test(text)) return null;
  if (text.includes(':') && IPV6.test(text)) return null;
  return 'expected a host name (smtp.example.com) or an IP address';
}

/**
 * Why `text` is not a single RFC 5322 mailbox (`Name <local@domain>` or `local@domain`), or null when it is one.
 * Line breaks are refused outright: the value becomes a header, and a line break would start a header of its own.
 */
export function mailboxProblem(text: string): string | null {
  const expected = 'expected one address such as Acme Billing <billing@acme.test>';
  if (/[\r\n\0]/.test(text)) return 'must not contain line breaks';
  const parsed = addressparser(text);
  if (parsed.length !== 1) return expected;
  const address = parsed[0]!.address;
  if (address === undefined || !ADDRESS.test(address)) return expected;
  return null;
}

/** Every problem with settings the schema cannot see, each under the API's field name (`from`, `reply_to`). */
export function emailSettingsProblems(settings: EmailSettings): FieldError[] {
  const errors: FieldError[] = [];
  const host = hostProblem(settings.host);
  if (host) errors.push({ path: 'host', message: host });
  const from = mailboxProblem(settings.from);
  if (from) errors.push({ path: 'from', message: from });
  const replyTo = settings.replyTo === null ? null : mailboxProblem(settings.replyTo);
  if (replyTo) errors.push({ path: 'reply_to', message: replyTo });
  return errors;
}
