import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStripeClient } from '../../src/gateways/stripe/stripe-client.ts';
import { afterEach, beforeEach } from 'vitest';
import { type StripeSyncOptions, syncStripe } from '../../src/integrations/stripe/sync.ts';
import { FieldCipher } from '../../src/security/field-cipher.ts';
import { Keyring } from '../../src/security/keyring.ts';
import type { Database } from '../../src/store/database.ts';
import { freshDatabase } from './databases.ts';
import { FakeStripeServer } from './stripe-server.ts';

/**
 * The environment of a `recoup` process beside the fake Stripe: its database, a fresh folder for the outbox and
 * the key file, the fake's key and address; `extra` adds or overrides variables.
 */
export function stripeCliEnv(
  fake: FakeStripeServer,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'recoup-stripe-cli-'));
  return {
    RECOUP_DATABASE_URL: databaseUrl,
    RECOUP_OUTBOX_DIR: join(dir, 'outbox'),
    RECOUP_ENCRYPTION_KEY_FILE: join(dir, 'keys'),
    RECOUP_LOG_LEVEL: 'silent',
    RECOUP_STRIPE_SECRET_KEY: fake.secretKey,
    RECOUP_STRIPE_API_BASE: fake.url,
    ...extra,
  };
}

/** The Stripe SDK pointed at the fake, asking once: a test sees every failure as it happened. */
export function fakeStripeClient(fake: FakeStripeServer) {
  return createStripeClient({ secretKey: fake.secretKey, apiBase: fake.apiBase, maxNetworkRetries: 0 });
}

/**
 * For a file of sync tests: before each test a fake Stripe and a fresh, migrated database, both gone after it;
 * `sync` runs the Stripe sync between them with the world's cipher.
 */
export function stripeSyncWorld() {
  const cipher = new FieldCipher(new Keyring([{ id: 'test', material: randomBytes(32) }], 'test keyring'));
  let state: { fake: FakeStripeServer; database: Database; cleanup: () => Promise<void> } | undefined;
  beforeEach(async () => {
    const fake = await FakeStripeServer.start();
    state = { fake, ...(await freshDatabase()) };
  });
  afterEach(async () => {
    await state?.cleanup();
    await state?.fake.stop();
    state = undefined;
  });
  const current = () => {
    if (!state) throw new Error('the Stripe sync world exists only inside a test');
    return state;
  };
  return {
    cipher,
    get fake() {
      return current().fake;
    },
    get database() {
      return current().database;
    },
    sync: (options: Omit<StripeSyncOptions, 'cipher'>) =>
      syncStripe(current().database, fakeStripeClient(current().fake), { cipher, ...options }),
  };
}
