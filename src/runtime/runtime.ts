import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Channel } from '../channels/channel.ts';
import { emailChannelFromEnv } from '../channels/email/from-env.ts';
import { OutboxChannel } from '../channels/email/outbox-channel.ts';
import { StoredSettingsEmailChannel } from '../channels/email/stored-settings-channel.ts';
import { TemplateOverrides } from '../channels/templates/overrides.ts';
import { DEFAULT_TEMPLATE_ROOT, TemplateRenderer } from '../channels/templates/renderer.ts';
import { WebhookChannel } from '../channels/webhook/webhook-channel.ts';
import { ConfigError, type RecoupConfig } from '../config/env.ts';
import { DEFAULT_FAILURE_POLICY } from '../domain/case-failures.ts';
import { type Clock, systemClock } from '../engine/clock.ts';
import { type EngineDeps, defaultEngineSettings } from '../engine/deps.ts';
import { PolicyCache } from '../engine/policy-cache.ts';
import { gatewayFromConfig } from '../gateways/from-config.ts';
import type { PaymentGateway } from '../gateways/gateway.ts';
import { DatabaseLedger } from '../gateways/sandbox/database-ledger.ts';
import type { SandboxLedger } from '../gateways/sandbox/ledger.ts';
import { ensureShippedPolicies } from '../policies/policy-file.ts';
import { loadEmailServer } from '../services/email-settings.ts';
import { cipherFor, prepareEncryption } from '../security/encryption-setup.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import { KeyringError } from '../security/keyring.ts';
import { type Database, openDatabase } from '../store/database.ts';
import { migrate } from '../store/migrate.ts';
import { templateOverrideSource } from '../store/template-versions.ts';
import { createLogger } from './logger.ts';

/** An open Recoup: its database (migrated, shipped policies applied) and the engine wired to its ports. */
export interface Runtime {
  readonly config: RecoupConfig;
  readonly database: Database;
  readonly deps: EngineDeps;
  close(): Promise<void>;
}

/** Overrides for tests, the demo and benchmarks: another clock, gateway, ledger or set of channels. */
export interface RuntimeOptions {
  clock?: Clock;
  gateway?: PaymentGateway;
  ledger?: SandboxLedger;
  channels?: ReadonlyMap<string, Channel>;
  logger?: Logger;
  owner?: string;
  /** How often the email channel looks for changed stored SMTP settings (default a few seconds). */
  emailRefreshMs?: number;
}

/** A lease owner id that names the host and process, so an operator can tell whose leases are whose. */
export function workerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Opens the database, migrates it, applies the shipped policies and wires the engine. */
export async function openRuntime(config: RecoupConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  // Keys first: a bad key file stops the command before the database is opened.
  let cipher: FieldCipher;
  try {
    cipher = cipherFor(config);
  } catch (error) {
    throw asConfigError(error);
  }
  const database = openDatabase(config.databaseUrl);
  try {
    await migrate(database);
    await prepareEncryption(database, cipher, clock.now(), logger);
    await ensureShippedPolicies(database.db, clock.now());
  } catch (error) {
    await database.close();
    throw asConfigError(error);
  }
  const gateway =
    options.gateway ??
    (await gatewayFromConfig(config, { clock, ledger: options.ledger ?? new DatabaseLedger(database.db) }));
  const channels =
    options.channels ??
    new Map<string, Channel>([
      ['email', emailChannel(config, database, cipher, options.emailRefreshMs)],
      [
        'webhook',
        new WebhookChannel({ secret: config.webhookSecret, allowPrivate: config.webhookAllowPrivate }),
      ],
    ]);
  const settings = {
    ...defaultEngineSettings(options.owner ?? workerId()),
    leaseMs: config.leaseMs,
    batchSize: config.batchSize,
    failures: {
      maxFailures: config.caseMaxFailures,
      retryMs: config.caseRetryMs,
      maxRetryMs: Math.max(DEFAULT_FAILURE_POLICY.maxRetryMs, config.caseRetryMs),
    },
    payLinkBase: config.payLinkBase,
    publicUrl: config.publicUrl,
    emailTracking: config.emailTracking,
    webhookAllowPrivate: config.webhookAllowPrivate,
    retention: { eventDays: config.eventRetentionDays, inboundDays: config.inboundRetentionDays },
    business: { name: config.businessName, supportEmail: config.supportEmail },
  };
  const deps: EngineDeps = {
    database,
    gateway,
    channels,
    // Saved template versions override the shipped files; the engine refreshes its copy once per batch.
    renderer: new TemplateRenderer({
      root: DEFAULT_TEMPLATE_ROOT,
      overrides: new TemplateOverrides(templateOverrideSource(database.db)),
    }),
    policies: new PolicyCache(database.db),
    clock,
    logger,
    settings,
    cipher,
  };
  return {
    config,
    database,
    deps,
    close: async () => {
      for (const channel of channels.values()) await channel.close?.();
      await database.close();
    },
  };
}

/**
 * RECOUP_SMTP_URL wins when set; otherwise the SMTP server an admin stored (picked up while running, in every
 * process), and the local outbox while none is stored.
 */
function emailChannel(
  config: RecoupConfig,
  database: Database,
  cipher: FieldCipher,
  refreshMs: number | undefined,
): Channel {
  if (config.smtpUrl) {
    return emailChannelFromEnv(
      { RECOUP_SMTP_URL: config.smtpUrl },
      { from: config.mailFrom, outboxFolder: config.outboxDir },
    );
  }
  return new StoredSettingsEmailChannel({
    load: () => loadEmailServer(database.db, cipher),
    fallback: new OutboxChannel({ from: config.mailFrom, folder: config.outboxDir }),
    ...(refreshMs === undefined ? {} : { refreshMs }),
  });
}

// A key problem is a configuration problem: one line naming the variable or file, exit code 2.
function asConfigError(error: unknown): unknown {
  return error instanceof KeyringError ? new ConfigError(error.message) : error;
}
