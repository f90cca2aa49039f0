import { type Kysely, type Migration, Migrator } from 'kysely';
import type { Database, Dialect } from './database.ts';
import * as initial from './migrations/001-initial.ts';
import * as api from './migrations/002-api.ts';
import * as webhooks from './migrations/003-webhooks.ts';
import * as encryption from './migrations/004-encryption.ts';
import * as stripe from './migrations/005-stripe.ts';
import * as inbound from './migrations/006-inbound.ts';
import * as apiIndexes from './migrations/007-api-indexes.ts';
import * as analytics from './migrations/008-analytics.ts';
import * as caseWork from './migrations/009-case-work.ts';
import * as recoveryCredit from './migrations/010-recovery-credit.ts';
import * as messageTracking from './migrations/011-message-tracking.ts';
import * as templateVersions from './migrations/012-template-versions.ts';
import * as settings from './migrations/013-settings.ts';
import * as retention from './migrations/014-retention.ts';
import * as messagePayments from './migrations/015-message-payments.ts';
import * as attemptSources from './migrations/016-attempt-sources.ts';
import * as stripeIncrementalSync from './migrations/017-stripe-incremental-sync.ts';
import * as caseFailures from './migrations/018-case-failures.ts';
import * as failedPaymentMethod from './migrations/019-failed-payment-method.ts';
import * as messageProviderResponse from './migrations/020-message-provider-response.ts';
import * as collectedOnTime from './migrations/021-collected-on-time.ts';

type Step = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

// Listed in code, not read from a folder, so a bundled or installed Recoup migrates the same way.
const steps: Record<string, Step> = {
  '001-initial': initial,
  '002-api': api,
  '003-webhooks': webhooks,
  '004-encryption': encryption,
  '005-stripe': stripe,
  '006-inbound': inbound,
  '007-api-indexes': apiIndexes,
  '008-analytics': analytics,
  '009-case-work': caseWork,
  '010-recovery-credit': recoveryCredit,
  '011-message-tracking': messageTracking,
  '012-template-versions': templateVersions,
  '013-settings': settings,
  '014-retention': retention,
  '015-message-payments': messagePayments,
  '016-attempt-sources': attemptSources,
  '017-stripe-incremental-sync': stripeIncrementalSync,
  '018-case-failures': caseFailures,
  '019-failed-payment-method': failedPaymentMethod,
  '020-message-provider-response': messageProviderResponse,
  '021-collected-on-time': collectedOnTime,
};

/** Applies every migration not yet applied, each in its own transaction; returns the names applied. */
export async function migrate(database: Database): Promise<string[]> {
  const migrations: Record<string, Migration> = {};
  for (const [name, step] of Object.entries(steps)) {
    migrations[name] = { up: (db) => step.up(db, database.dialect) };
  }
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'recoup_migrations',
    migrationLockTableName: 'recoup_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
