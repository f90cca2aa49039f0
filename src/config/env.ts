import { canonicalTimeZone } from '../domain/time-zone-inference.ts';
import { type StripeApiBase, parseStripeApiBase } from '../gateways/stripe/api-base.ts';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from '../store/database-url.ts';
import { DEFAULT_KEY_FILE, KEY_FILE_VARIABLE } from '../security/key-file.ts';
import { KEYS_VARIABLE, type Keyring, parseKeyList } from '../security/keyring.ts';

/** Everything Recoup reads from the environment, validated once at start-up. */
export interface RecoupConfig {
  readonly databaseUrl: string;
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  readonly outboxDir: string;
  readonly leaseMs: number;
  readonly batchSize: number;
  /** Failures in a row that park a case as needs_attention (RECOUP_CASE_MAX_FAILURES). */
  readonly caseMaxFailures: number;
  /** The delay before a failed case is retried, doubling per failure (RECOUP_CASE_RETRY_MS; 0 retries at once). */
  readonly caseRetryMs: number;
  /** Days outbox events are kept for listing and replay once delivered (RECOUP_EVENT_RETENTION_DAYS). */
  readonly eventRetentionDays: number;
  /** Days the ids of applied inbound webhook events are kept to ignore retries (RECOUP_INBOUND_RETENTION_DAYS). */
  readonly inboundRetentionDays: number;
  readonly payLinkBase: string;
  /** Where readers' mail apps reach this server: the base of email open-pixel and click-redirect URLs. */
  readonly publicUrl: string;
  /** Whether emails the engine sends carry an open pixel and click-tracked links (RECOUP_EMAIL_TRACKING). */
  readonly emailTracking: boolean;
  readonly businessName: string;
  readonly supportEmail: string;
  readonly webhookSecret: string | null;
  /** Whether webhooks may go to loopback, private and other non-public addresses (RECOUP_WEBHOOK_ALLOW_PRIVATE). */
  readonly webhookAllowPrivate: boolean;
  readonly logLevel: string;
  /** Where `recoup start` serves the API and dashboard. */
  readonly port: number;
  readonly host: string;
  /** Which payment gateway charges: the deterministic sandbox (default) or Stripe. */
  readonly gateway: 'sandbox' | 'stripe';
  /** Required when gateway is stripe, and by `recoup stripe sync`; never logged. */
  readonly stripeSecretKey: string | null;
  /** Another Stripe API base (a local test server); null means Stripe's own. */
  readonly stripeApiBase: StripeApiBase | null;
  /** The zone for customers whose metadata and address place them nowhere (RECOUP_DEFAULT_TIME_ZONE, IANA). */
  readonly defaultTimeZone: string;
  /** Stripe customer metadata keys read, in order, for a customer's IANA zone (RECOUP_STRIPE_TIME_ZONE_KEYS). */
  readonly timeZoneMetadataKeys: readonly string[];
  /** Verifies Stripe's webhook deliveries (`whsec_…`); unset = the Stripe webhook endpoint refuses everything. */
  readonly stripeWebhookSecret: string | null;
  /** Verifies the generic inbound webhook's `Recoup-Signature`; unset = that endpoint refuses everything. */
  readonly inboundWebhookSecret: string | null;
  /** Keys for contact data at rest from RECOUP_ENCRYPTION_KEYS (first active); null = use the key file. */
  readonly encryptionKeys: Keyring | null;
  /** The key file used when RECOUP_ENCRYPTION_KEYS is unset; created with one random key on first use. */
  readonly encryptionKeyFile: string;
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
  const publicUrl = env['RECOUP_PUBLIC_URL'] || 'http://localhost:4000';
  if (!/^https?:\/\/\S+$/.test(publicUrl))
    throw new ConfigError('RECOUP_PUBLIC_URL: expected an http(s) URL');
  const tracking = env['RECOUP_EMAIL_TRACKING'] || 'on';
  if (tracking !== 'on' && tracking !== 'off')
    throw new ConfigError(`RECOUP_EMAIL_TRACKING: expected on or off, got '${tracking}'`);
  const allowPrivate = env['RECOUP_WEBHOOK_ALLOW_PRIVATE'] || 'false';
  if (allowPrivate !== 'true' && allowPrivate !== 'false')
    throw new ConfigError(`RECOUP_WEBHOOK_ALLOW_PRIVATE: expected true or false, got '${allowPrivate}'`);
  return {
    databaseUrl,
    smtpUrl,
    mailFrom: env['RECOUP_MAIL_FROM'] || 'Recoup <billing@example.com>',
    outboxDir: env['RECOUP_OUTBOX_DIR'] || './.recoup/outbox',
    leaseMs: integer(env, 'RECOUP_LEASE_MS', 30_000, 1_000, 3_600_000),
    batchSize: integer(env, 'RECOUP_BATCH_SIZE', 500, 1, 10_000),
    caseMaxFailures: integer(env, 'RECOUP_CASE_MAX_FAILURES', 5, 1, 100),
    caseRetryMs: integer(env, 'RECOUP_CASE_RETRY_MS', 60_000, 0, 86_400_000),
    eventRetentionDays: integer(env, 'RECOUP_EVENT_RETENTION_DAYS', 90, 1, 36_500),
    // Stripe retries an event for up to three days: a shorter memory would apply a late retry twice.
    inboundRetentionDays: integer(env, 'RECOUP_INBOUND_RETENTION_DAYS', 30, 4, 36_500),
    payLinkBase: payLinkBase.replace(/\/$/, ''),
    publicUrl: publicUrl.replace(/\/+$/, ''),
    emailTracking: tracking === 'on',
    businessName: env['RECOUP_BUSINESS_NAME'] || 'Recoup Demo Co.',
    supportEmail: env['RECOUP_SUPPORT_EMAIL'] || 'billing@example.com',
    webhookSecret: env['RECOUP_WEBHOOK_SECRET'] || null,
    webhookAllowPrivate: allowPrivate === 'true',
    logLevel,
    port: integer(env, 'RECOUP_PORT', 4000, 1, 65_535),
    host: env['RECOUP_HOST'] || '127.0.0.1',
    ...stripeSettings(env),
    ...timeZoneSettings(env),
    ...inboundWebhookSecrets(env),
    ...encryptionSettings(env),
  };
}

// Keys are parsed here so a bad one stops the command before anything is opened; errors name the key id, never key material.
function encryptionSettings(
  env: NodeJS.ProcessEnv,
): Pick<RecoupConfig, 'encryptionKeys' | 'encryptionKeyFile'> {
  const keys = env[KEYS_VARIABLE] || null;
  try {
    return {
      encryptionKeys: keys === null ? null : parseKeyList(keys, KEYS_VARIABLE),
      encryptionKeyFile: env[KEY_FILE_VARIABLE] || DEFAULT_KEY_FILE,
    };
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

// Neither value is echoed in an error: a mistyped secret is still most of a secret.
function inboundWebhookSecrets(
  env: NodeJS.ProcessEnv,
): Pick<RecoupConfig, 'stripeWebhookSecret' | 'inboundWebhookSecret'> {
  const stripeWebhookSecret = env['RECOUP_STRIPE_WEBHOOK_SECRET'] || null;
  if (stripeWebhookSecret !== null && !/^whsec_\S+$/.test(stripeWebhookSecret))
    throw new ConfigError("RECOUP_STRIPE_WEBHOOK_SECRET: expected the endpoint's signing secret (whsec_…)");
  const inboundWebhookSecret = env['RECOUP_INBOUND_WEBHOOK_SECRET'] || null;
  // An HMAC key short enough to guess makes the signature worthless.
  if (inboundWebhookSecret !== null && inboundWebhookSecret.length < 16)
    throw new ConfigError('RECOUP_INBOUND_WEBHOOK_SECRET: must be at least 16 characters');
  return { stripeWebhookSecret, inboundWebhookSecret };
}

const DEFAULT_TIME_ZONE_KEYS = ['time_zone', 'timezone', 'tz'];
// Stripe's own limit on a metadata key: a longer key could never be set, so it could never be read.
const MAX_METADATA_KEY_LENGTH = 40;
const MAX_TIME_ZONE_KEYS = 10;

function timeZoneSettings(
  env: NodeJS.ProcessEnv,
): Pick<RecoupConfig, 'defaultTimeZone' | 'timeZoneMetadataKeys'> {
  const zone = env['RECOUP_DEFAULT_TIME_ZONE'] || 'UTC';
  const defaultTimeZone = canonicalTimeZone(zone);
  if (defaultTimeZone === null)
    throw new ConfigError(
      `RECOUP_DEFAULT_TIME_ZONE: expected an IANA time zone such as Europe/Berlin or UTC, got '${zone}'`,
    );
  const list = env['RECOUP_STRIPE_TIME_ZONE_KEYS'];
  if (!list) return { defaultTimeZone, timeZoneMetadataKeys: [...DEFAULT_TIME_ZONE_KEYS] };
  const keys = [...new Set(list.split(',').map((key) => key.trim()))];
  const problem = keyListProblem(keys);
  if (problem !== null) throw new ConfigError(`RECOUP_STRIPE_TIME_ZONE_KEYS: ${problem}`);
  return { defaultTimeZone, timeZoneMetadataKeys: keys };
}

function keyListProblem(keys: readonly string[]): string | null {
  if (keys.includes('')) return 'expected comma-separated metadata keys, found an empty one';
  if (keys.length > MAX_TIME_ZONE_KEYS)
    return `expected at most ${MAX_TIME_ZONE_KEYS} keys, got ${keys.length}`;
  const long = keys.find((key) => key.length > MAX_METADATA_KEY_LENGTH);
  if (long !== undefined)
    return `'${long}' is longer than Stripe's ${MAX_METADATA_KEY_LENGTH}-character limit`;
  const bracketed = keys.find((key) => /[[\]]/.test(key));
  if (bracketed !== undefined)
    return `'${bracketed}' has a square bracket, which Stripe refuses in a metadata key`;
  return null;
}

const GATEWAYS = ['sandbox', 'stripe'] as const;

function stripeSettings(
  env: NodeJS.ProcessEnv,
): Pick<RecoupConfig, 'gateway' | 'stripeSecretKey' | 'stripeApiBase'> {
  const gateway = env['RECOUP_GATEWAY'] || 'sandbox';
  if (!(GATEWAYS as readonly string[]).includes(gateway)) {
    throw new ConfigError(`RECOUP_GATEWAY: expected one of ${GATEWAYS.join(', ')}, got '${gateway}'`);
  }
  const stripeSecretKey = env['RECOUP_STRIPE_SECRET_KEY'] || null;
  // The value is never echoed: a mistyped key is still most of a key.
  if (stripeSecretKey !== null && !/^(sk|rk)_(test|live)_\w+$/.test(stripeSecretKey)) {
    throw new ConfigError(
      'RECOUP_STRIPE_SECRET_KEY: expected a Stripe secret key (sk_live_…, sk_test_… or a restricted rk_… key)',
    );
  }
  if (gateway === 'stripe' && stripeSecretKey === null) {
    throw new ConfigError('RECOUP_STRIPE_SECRET_KEY: required when RECOUP_GATEWAY is stripe');
  }
  const base = env['RECOUP_STRIPE_API_BASE'] || null;
  let stripeApiBase: StripeApiBase | null = null;
  try {
    stripeApiBase = base === null ? null : parseStripeApiBase(base, 'RECOUP_STRIPE_API_BASE');
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return { gateway: gateway as RecoupConfig['gateway'], stripeSecretKey, stripeApiBase };
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
