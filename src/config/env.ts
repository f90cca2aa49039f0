import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from '../store/database.ts';

/** Everything Recoup reads from the environment, validated once at start-up. */
export interface RecoupConfig {
  readonly databaseUrl: string;
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  readonly outboxDir: string;
  readonly leaseMs: number;
  readonly batchSize: number;
  readonly payLinkBase: string;
  readonly businessName: string;
  readonly supportEmail: string;
  readonly webhookSecret: string | null;
  readonly logLevel: string;
}

/** A setting with a bad value; the message names the variable and the reason, and the CLI exits 2. */
export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and checks the RECOUP_* variables, falling back to the embedded defaults (SQLite file, local outbox). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RecoupConfig {
  const databaseUrl = env['RECOUP_DATABASE_URL'] || DEFAULT_DATABASE_URL;
  try {
    parseDatabaseUrl(databaseUrl);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const smtpUrl = env['RECOUP_SMTP_URL'] || null;
  if (smtpUrl && !/^smtps?:\/\/[^\s/]+/.test(smtpUrl)) {
    throw new ConfigError('RECOUP_SMTP_URL: expected smtp://user:pass@host:port or smtps://…');
  }
  const logLevel = env['RECOUP_LOG_LEVEL'] || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`RECOUP_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const payLinkBase = env['RECOUP_PAY_LINK_BASE'] || 'http://localhost:4000/pay';
  if (!/^https?:\/\/\S+$/.test(payLinkBase))
    throw new ConfigError('RECOUP_PAY_LINK_BASE: expected an http(s) URL');
  return {
    databaseUrl,
    smtpUrl,
    mailFrom: env['RECOUP_MAIL_FROM'] || 'Recoup <billing@example.com>',
    outboxDir: env['RECOUP_OUTBOX_DIR'] || './.recoup/outbox',
    leaseMs: integer(env, 'RECOUP_LEASE_MS', 30_000, 1_000, 3_600_000),
    batchSize: integer(env, 'RECOUP_BATCH_SIZE', 500, 1, 10_000),
    payLinkBase: payLinkBase.replace(/\/$/, ''),
    businessName: env['RECOUP_BUSINESS_NAME'] || 'Recoup Demo Co.',
    supportEmail: env['RECOUP_SUPPORT_EMAIL'] || 'billing@example.com',
    webhookSecret: env['RECOUP_WEBHOOK_SECRET'] || null,
    logLevel,
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}: expected a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}
