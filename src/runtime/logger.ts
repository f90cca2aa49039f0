import pino, { type Logger } from 'pino';

/** Paths pino blanks out: secrets and personal data never reach a log line. */
export const REDACTED_PATHS = [
  'password',
  'token',
  'secret',
  'email',
  'phone',
  'recipient',
  'url',
  '*.password',
  '*.token',
  '*.secret',
  '*.email',
  '*.phone',
  '*.recipient',
  'config.smtpUrl',
  'config.databaseUrl',
  'config.webhookSecret',
  'config.stripeSecretKey',
  'config.stripeWebhookSecret',
  'config.inboundWebhookSecret',
  'config.encryptionKeys',
];

/** A JSON logger on stderr (stdout is kept for command output), with redaction. */
export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, pino.destination(2));
}
