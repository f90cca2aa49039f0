import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { gatewayFromConfig } from '../../src/gateways/from-config.ts';
import { MemoryLedger } from '../../src/gateways/sandbox/memory-ledger.ts';
import { FakeStripeServer } from '../support/stripe-server.ts';

const context = () => ({ clock: new VirtualClock(Date.UTC(2026, 2, 2)), ledger: new MemoryLedger() });

function configError(env: Record<string, string>): Error {
  try {
    loadConfig(env);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a ConfigError');
}

describe('choosing the gateway from the environment', () => {
  let fake: FakeStripeServer;
  beforeAll(async () => {
    fake = await FakeStripeServer.start();
  });
  afterAll(async () => fake?.stop());

  it('uses the sandbox unless told otherwise', async () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ gateway: 'sandbox', stripeSecretKey: null, stripeApiBase: null });
    const gateway = await gatewayFromConfig(config, context());
    expect(gateway.name).toBe('sandbox');
    await expect(
      gateway.charge({ idempotencyKey: 'k1', token: 'tok_ok', amount: 100, currency: 'USD' }),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('charges through the Stripe API base it is given', async () => {
    const config = loadConfig({
      RECOUP_GATEWAY: 'stripe',
      RECOUP_STRIPE_SECRET_KEY: fake.secretKey,
      RECOUP_STRIPE_API_BASE: fake.url,
    });
    expect(config.stripeApiBase).toEqual({ protocol: 'http', host: '127.0.0.1', port: fake.apiBase.port });

    const gateway = await gatewayFromConfig(config, context());
    const result = await gateway.charge({
      idempotencyKey: 'recoup:cas_1:retry-1:pm_1',
      token: 'pm_card_visa',
      amount: 2_500,
      currency: 'EUR',
    });

    expect(gateway.name).toBe('stripe');
    expect(result).toEqual({ status: 'succeeded', chargeId: fake.charges[0]!.paymentIntent });
  });

  it('reads an https API base without a port as port 443', () => {
    const config = loadConfig({ RECOUP_STRIPE_API_BASE: 'https://stripe-proxy.internal' });
    expect(config.stripeApiBase).toEqual({ protocol: 'https', host: 'stripe-proxy.internal', port: 443 });
  });

  it.each([
    [{ RECOUP_GATEWAY: 'paypal' }, /^RECOUP_GATEWAY: expected one of sandbox, stripe/],
    [{ RECOUP_GATEWAY: 'stripe' }, /^RECOUP_STRIPE_SECRET_KEY: required when RECOUP_GATEWAY is stripe/],
    [
      { RECOUP_STRIPE_SECRET_KEY: 'pk_live_publishable123' },
      /^RECOUP_STRIPE_SECRET_KEY: expected a Stripe secret key/,
    ],
    [{ RECOUP_STRIPE_API_BASE: 'localhost:12111' }, /^RECOUP_STRIPE_API_BASE: expected/],
    [{ RECOUP_STRIPE_API_BASE: 'ftp://127.0.0.1:12111' }, /^RECOUP_STRIPE_API_BASE: expected an http/],
    [
      { RECOUP_STRIPE_API_BASE: 'http://127.0.0.1:12111/v1' },
      /^RECOUP_STRIPE_API_BASE: expected only a scheme/,
    ],
  ])('refuses %o naming the variable', (env, message) => {
    const error = configError(env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
  });

  it('never repeats a bad secret key', () => {
    const key = 'sk_live_has spaces and more secret';
    const error = configError({ RECOUP_STRIPE_SECRET_KEY: key });
    expect(error.message).not.toContain('has spaces');
  });
});
