import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDecline } from '../../src/domain/declines.ts';
import {
  type ChargeRequest,
  GatewayUnavailableError,
  IdempotencyMismatchError,
} from '../../src/gateways/gateway.ts';
import { StripeGateway } from '../../src/gateways/stripe/stripe-gateway.ts';
import { FakeStripeServer } from '../support/stripe-server.ts';

let fake: FakeStripeServer;
let customer: string;

beforeAll(async () => {
  fake = await FakeStripeServer.start();
  customer = fake.addCustomer({ name: 'Ada Lovelace', email: 'ada@example.com' })['id'] as string;
});
afterAll(async () => fake?.stop());

// No SDK retries beyond the one it always makes after a closed connection: each test decides what fails.
function gateway(options: { timeoutMs?: number; secretKey?: string; port?: number } = {}) {
  return new StripeGateway({
    secretKey: options.secretKey ?? fake.secretKey,
    apiBase: { ...fake.apiBase, ...(options.port ? { port: options.port } : {}) },
    maxNetworkRetries: 0,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
}

let seq = 0;
function request(token: string, extra: Partial<ChargeRequest> = {}): ChargeRequest {
  return {
    idempotencyKey: `recoup:cas_test:retry-1:pm_${++seq}`,
    token,
    amount: 4_900,
    currency: 'USD',
    description: 'Recoup case cas_test',
    customerExternalId: customer,
    ...extra,
  };
}

const chargesFor = (key: string) => fake.charges.filter((c) => c.idempotencyKey === key);

describe('Stripe gateway', () => {
  it('charges off-session with a confirmed PaymentIntent under Recoup’s idempotency key', async () => {
    const req = request('pm_card_visa');
    const result = await gateway().charge(req);

    const [charge] = chargesFor(req.idempotencyKey);
    expect(result).toEqual({ status: 'succeeded', chargeId: charge!.paymentIntent });
    expect(charge).toMatchObject({
      status: 'succeeded',
      amount: 4_900,
      currency: 'usd',
      customer,
      paymentMethod: 'pm_card_visa',
    });
    const sent = fake.requests.findLast((r) => r.idempotencyKey === req.idempotencyKey)!;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/payment_intents', status: 200, replayed: false });
  });

  it.each([
    // payment method, decline code, network decline, network advice, class, stop the method
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds', null, null, 'soft', false],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', null, null, 'soft', false],
    ['pm_card_chargeDeclinedLostCard', 'lost_card', null, null, 'hard', true],
    ['pm_card_chargeDeclinedStolenCard', 'stolen_card', null, null, 'hard', true],
    // Stripe sends these without a decline_code: the error code is the reason.
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', null, null, 'action_required', false],
    ['pm_card_authenticationRequired', 'authentication_required', null, null, 'action_required', false],
    // The networks' own codes overrule Stripe's soft do_not_honor.
    ['pm_card_mastercard_adviceCode03', 'do_not_honor', '05', '03', 'hard', true],
    ['pm_card_visa_networkDecline04', 'do_not_honor', '04', null, 'hard', true],
  ] as const)('%s declines with %s (%s/%s) → %s', async (token, code, network, advice, cls, stop) => {
    const req = request(token);
    const result = await gateway().charge(req);

    const [charge] = chargesFor(req.idempotencyKey);
    expect(charge).toMatchObject({ status: 'failed' });
    expect(result).toMatchObject({
      status: 'failed',
      chargeId: charge!.paymentIntent,
      declineCode: code,
      networkDeclineCode: network,
      networkAdviceCode: advice,
    });
    expect(result.status === 'failed' && result.message).toMatch(/card/i);
    if (result.status !== 'failed') throw new Error('expected a decline');
    const verdict = classifyDecline({
      code: result.declineCode,
      networkDeclineCode: result.networkDeclineCode,
      networkAdviceCode: result.networkAdviceCode,
    });
    expect(verdict.class).toBe(cls);
    expect(verdict.stopMethod).toBe(stop);
  });

  it('survives a connection cut after Stripe charged: the retry with the same key replays, one charge', async () => {
    const req = request('pm_card_visa');
    // The original request and the SDK's own retry of the closed connection both lose their response.
    fake.dropConnections(2);
    await expect(gateway().charge(req)).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(chargesFor(req.idempotencyKey)).toHaveLength(1);

    const result = await gateway().charge(req);

    const charges = chargesFor(req.idempotencyKey);
    expect(charges).toHaveLength(1);
    expect(result).toEqual({ status: 'succeeded', chargeId: charges[0]!.paymentIntent });
    const sent = fake.requests.filter((r) => r.idempotencyKey === req.idempotencyKey);
    expect(sent.map((r) => [r.status, r.replayed])).toEqual([
      ['dropped', false],
      ['dropped', true],
      [200, true],
    ]);
  });

  it('lets the SDK retry one lost response itself, with the same key', async () => {
    const req = request('pm_card_chargeDeclinedInsufficientFunds');
    fake.dropConnections(1);

    const result = await gateway().charge(req);

    expect(result).toMatchObject({ status: 'failed', declineCode: 'insufficient_funds' });
    expect(chargesFor(req.idempotencyKey)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.idempotencyKey === req.idempotencyKey)).toHaveLength(2);
  });

  it('refuses a reused key with different parameters and charges nothing more', async () => {
    const req = request('pm_card_visa');
    await gateway().charge(req);

    await expect(gateway().charge({ ...req, amount: req.amount + 100 })).rejects.toBeInstanceOf(
      IdempotencyMismatchError,
    );
    await expect(gateway().charge({ ...req, token: 'pm_card_mastercard' })).rejects.toBeInstanceOf(
      IdempotencyMismatchError,
    );
    expect(chargesFor(req.idempotencyKey)).toHaveLength(1);
  });

  it('reports a server that is down as unavailable', async () => {
    const down = await FakeStripeServer.start();
    const port = down.apiBase.port;
    await down.stop();

    await expect(gateway({ port }).charge(request('pm_card_visa'))).rejects.toBeInstanceOf(
      GatewayUnavailableError,
    );
  });

  it('reports Stripe’s 500 as unavailable, and charges once the outage ends', async () => {
    const req = request('pm_card_visa');
    fake.breakAfter(0, (_, path) => path === '/v1/payment_intents');
    try {
      await expect(gateway().charge(req)).rejects.toBeInstanceOf(GatewayUnavailableError);
      expect(chargesFor(req.idempotencyKey)).toHaveLength(0);
    } finally {
      fake.heal();
    }
    await expect(gateway().charge(req)).resolves.toMatchObject({ status: 'succeeded' });
    expect(chargesFor(req.idempotencyKey)).toHaveLength(1);
  });

  it('reports a timeout as unavailable', async () => {
    fake.stallResponses(1);
    await expect(gateway({ timeoutMs: 300 }).charge(request('pm_card_visa'))).rejects.toBeInstanceOf(
      GatewayUnavailableError,
    );
  });

  it('stops on a rejected API key without echoing it', async () => {
    const secretKey = 'sk_test_wrongwrongwrongwrong1234';
    const failure = await gateway({ secretKey })
      .charge(request('pm_card_visa'))
      .catch((error: unknown) => error as Error);

    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(GatewayUnavailableError);
    expect((failure as Error).message).toMatch(/API key/);
    expect((failure as Error).message).not.toContain(secretKey);
  });

  it('records a payment method Stripe does not know as a failure of that method, not an outage', async () => {
    const req = request('pm_detached123');
    const result = await gateway().charge(req);

    expect(result).toMatchObject({ status: 'failed', declineCode: 'resource_missing' });
    expect(result.status === 'failed' && result.message).toContain('pm_detached123');
    expect(chargesFor(req.idempotencyKey)).toHaveLength(0);
  });

  it('sends no customer for an id from another billing system', async () => {
    const req = request('pm_card_visa', { customerExternalId: 'C-1042' });
    await expect(gateway().charge(req)).resolves.toMatchObject({ status: 'succeeded' });
    expect(chargesFor(req.idempotencyKey)[0]!.customer).toBeNull();
  });
});
