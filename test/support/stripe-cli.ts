import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStripeClient } from '../../src/gateways/stripe/stripe-client.ts';
import type { FakeStripeServer } from './stripe-server.ts';

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
