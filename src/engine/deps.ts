import type { Logger } from 'pino';
import type { Channel } from '../channels/channel.ts';
import { DEFAULT_FAILURE_POLICY, type FailurePolicy } from '../domain/case-failures.ts';
import type { RetentionSettings } from '../maintenance/retention-settings.ts';
import type { TemplateRenderer } from '../channels/templates/renderer.ts';
import type { PaymentGateway } from '../gateways/gateway.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import type { Database } from '../store/database.ts';
import type { Clock } from './clock.ts';
import type { PolicyCache } from './policy-cache.ts';

/** Settings that shape how the engine works, with defaults in `defaultEngineSettings`. */
export interface EngineSettings {
  readonly owner: string; // this worker's lease owner id
  readonly leaseMs: number;
  readonly batchSize: number;
  readonly lookbackDays: number; // how far back the rules look (network caps, message limits)
  readonly business: { name: string; supportEmail: string };
  readonly payLinkBase: string; // e.g. https://pay.example.com/cases
  readonly publicUrl: string; // this server as mail apps reach it: the base of tracking URLs
  readonly emailTracking: boolean; // open pixel and click redirects in the emails the engine sends
  readonly gatewayConcurrency: number;
  readonly webhookAllowPrivate: boolean; // POST webhooks to loopback/private addresses too (off: refused)
  readonly retention: RetentionSettings; // how long delivered events and inbound event ids are kept
  readonly failures: FailurePolicy; // how a case whose work fails is retried, and when it is parked
}

/** The ports and settings the engine works through: everything with I/O comes in here. */
export interface EngineDeps {
  readonly database: Database;
  readonly gateway: PaymentGateway;
  readonly channels: ReadonlyMap<string, Channel>;
  readonly renderer: TemplateRenderer;
  readonly policies: PolicyCache;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: EngineSettings;
  /** Encrypts and decrypts contact data at rest (customer email, phone, address; message recipients). */
  readonly cipher: FieldCipher;
}

/** Defaults: 30 s leases renewed while working, batches of 500, 35 days of history for the 30-day network caps. */
export function defaultEngineSettings(owner: string): EngineSettings {
  return {
    owner,
    leaseMs: 30_000,
    batchSize: 500,
    lookbackDays: 35,
    business: { name: 'Recoup Demo Co.', supportEmail: 'billing@example.com' },
    payLinkBase: 'http://localhost:4000/pay',
    publicUrl: 'http://localhost:4000',
    emailTracking: true,
    gatewayConcurrency: 16,
    webhookAllowPrivate: false,
    retention: { eventDays: 90, inboundDays: 30 },
    failures: DEFAULT_FAILURE_POLICY,
  };
}
