import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';
import { runRecoup } from '../support/processes.ts';
import { stripeCliEnv } from '../support/stripe-cli.ts';
import { FakeStripeServer } from '../support/stripe-server.ts';

describe('recoup stripe sync, through the real binary', () => {
  let fake: FakeStripeServer;
  let target: TestDatabaseUrl;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await FakeStripeServer.start();
    target = await freshDatabaseUrl();
    env = stripeCliEnv(fake, target.url);
    for (let i = 0; i < 3; i++) {
      const customer = fake.addCustomer({ name: `Customer ${i}`, email: `c${i}@example.com` })[
        'id'
      ] as string;
      fake.addPaymentMethod({ customer });
      fake.addInvoice({ customer, amountDue: 1_000 * (i + 1), attemptCount: 1 });
    }
  });
  afterAll(async () => {
    await target?.drop();
    await fake?.stop();
  });

  it('needs the secret key, and says which variable', { timeout: 120_000 }, async () => {
    const { RECOUP_STRIPE_SECRET_KEY: _, ...without } = env;
    const result = await runRecoup(['stripe', 'sync'], without);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('RECOUP_STRIPE_SECRET_KEY');
  });

  // Each run starts a Node process: the timeouts allow for a slow, busy machine.
  it('syncs, stops with a resumable error when Stripe fails, and finishes on the next run', {
    timeout: 180_000,
  }, async () => {
    fake.breakAfter(0, (method, path) => method === 'GET' && path === '/v1/invoices');
    const stopped = await runRecoup(['stripe', 'sync', '--page-size', '2'], env);
    fake.heal();

    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stdout).toContain('stripe sync synced before it stopped');
    expect(stopped.stdout).toMatch(/customers\s+3 new, 0 changed, 0 unchanged, 0 skipped/);
    expect(stopped.stderr).toContain('run it again to resume');

    const resumed = await runRecoup(['stripe', 'sync', '--page-size', '2'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('stripe sync resumed and finished');
    expect(resumed.stdout).toMatch(/customers\s+0 new, 0 changed, 0 unchanged/);
    expect(resumed.stdout).toMatch(/invoices\s+3 new/);
  });
});
