import { describe, expect, it } from 'vitest';
import { classifyDecline, STRIPE_DECLINE_CODES } from '../../src/domain/declines.ts';
import { type ChargeRequest, IdempotencyMismatchError } from '../../src/gateways/gateway.ts';
import { MemoryLedger } from '../../src/gateways/sandbox/memory-ledger.ts';
import { SandboxGateway } from '../../src/gateways/sandbox/sandbox-gateway.ts';
import { PUBLISHED_DECLINE_MIX, sandboxOutcome } from '../../src/gateways/sandbox/tokens.ts';

const NOW = Date.parse('2026-03-01T09:00:00Z');

function setup(now = () => NOW) {
  const ledger = new MemoryLedger();
  return { ledger, gateway: new SandboxGateway({ ledger, now }) };
}

let keySeq = 0;
const request = (token: string, extra: Partial<ChargeRequest> = {}): ChargeRequest => ({
  idempotencyKey: `key_${++keySeq}`,
  token,
  amount: 2500,
  currency: 'usd',
  ...extra,
});

describe('sandbox tokens', () => {
  it.each([
    ['tok_insufficient_funds', 'insufficient_funds', null, null],
    ['tok_do_not_honor', 'do_not_honor', null, null],
    ['tok_expired_card', 'expired_card', null, null],
    ['tok_lost_card', 'lost_card', null, null],
    ['tok_stolen_card', 'stolen_card', null, null],
    ['tok_authentication_required', 'authentication_required', null, null],
    ['tok_processing_error', 'processing_error', null, null],
    ['tok_transaction_not_allowed', 'transaction_not_allowed', null, null],
    ['tok_visa_category1', 'do_not_honor', '04', null],
    ['tok_mc_advice_03', 'do_not_honor', null, '03'],
    ['tok_mc_advice_21', 'do_not_honor', null, '21'],
    ['tok_mc_advice_24', 'insufficient_funds', null, '24'],
    ['tok_mc_advice_25', 'insufficient_funds', null, '25'],
    ['tok_mc_advice_26', 'insufficient_funds', null, '26'],
    ['tok_mc_advice_27', 'insufficient_funds', null, '27'],
    ['tok_mc_advice_28', 'insufficient_funds', null, '28'],
    ['tok_mc_advice_29', 'insufficient_funds', null, '29'],
    ['tok_mc_advice_30', 'insufficient_funds', null, '30'],
  ])('%s declines with %s', async (token, declineCode, networkDeclineCode, networkAdviceCode) => {
    const { gateway } = setup();
    const result = await gateway.charge(request(token));
    expect(result).toMatchObject({ status: 'failed', declineCode, networkDeclineCode, networkAdviceCode });
    expect(result.status === 'failed' && result.message).toMatch(/declined/);
  });

  it('tok_ok succeeds with a charge id derived from the key', async () => {
    const { gateway } = setup();
    const first = await gateway.charge(request('tok_ok', { idempotencyKey: 'case_1:step_2:pm_3' }));
    const again = await setup().gateway.charge(request('tok_ok', { idempotencyKey: 'case_1:step_2:pm_3' }));
    expect(first).toEqual({ status: 'succeeded', chargeId: expect.stringMatching(/^ch_[0-9a-f]{24}$/) });
    expect(again).toEqual(first);
  });

  it('gives the network codes that make the engine stop or wait', async () => {
    const { gateway } = setup();
    const classify = async (token: string) => {
      const r = await gateway.charge(request(token));
      if (r.status !== 'failed') throw new Error(`${token} succeeded`);
      return classifyDecline({
        code: r.declineCode,
        networkDeclineCode: r.networkDeclineCode,
        networkAdviceCode: r.networkAdviceCode,
      });
    };
    expect((await classify('tok_visa_category1')).stopMethod).toBe(true);
    expect((await classify('tok_mc_advice_03')).stopMethod).toBe(true);
    expect((await classify('tok_mc_advice_30')).retryAfterMs).toBe(10 * 86_400_000);
  });

  it('tok_succeeds_after_3 fails its first three distinct charges, then succeeds', async () => {
    const { gateway } = setup();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await gateway.charge(request('tok_succeeds_after_3'))).status);
    expect(statuses).toEqual(['failed', 'failed', 'failed', 'succeeded', 'succeeded']);
  });

  it('does not count a replayed key as another charge on the token', async () => {
    const { gateway } = setup();
    const same = request('tok_succeeds_after_3');
    for (let i = 0; i < 4; i++) expect((await gateway.charge(same)).status).toBe('failed');
  });

  it('tok_sim_<code>_until_<ms> declines with that code before the instant and succeeds from it', async () => {
    let now = NOW;
    const { gateway } = setup(() => now);
    const token = `tok_sim_card_velocity_exceeded_until_${NOW + 1000}`;
    expect(await gateway.charge(request(token))).toMatchObject({
      status: 'failed',
      declineCode: 'card_velocity_exceeded',
    });
    now = NOW + 999;
    expect((await gateway.charge(request(token))).status).toBe('failed');
    now = NOW + 1000;
    expect((await gateway.charge(request(token))).status).toBe('succeeded');
  });

  it('tok_sim_<code>_never always declines', () => {
    const outcome = sandboxOutcome('tok_sim_do_not_try_again_never', 99, NOW + 1e12);
    expect(outcome).toMatchObject({ status: 'failed', declineCode: 'do_not_try_again' });
  });

  it('throws, naming the token, for tokens it does not know', () => {
    expect(() => sandboxOutcome('tok_nonsense', 0, NOW)).toThrow(/tok_nonsense/);
    expect(() => sandboxOutcome('constructor', 0, NOW)).toThrow(/constructor/);
    expect(() => sandboxOutcome('tok_sim_made_up_code_never', 0, NOW)).toThrow(/made_up_code/);
  });

  it('publishes a decline mix of known codes summing to 100, insufficient funds first', () => {
    expect(PUBLISHED_DECLINE_MIX.reduce((sum, d) => sum + d.weight, 0)).toBe(100);
    for (const { code } of PUBLISHED_DECLINE_MIX) expect(Object.keys(STRIPE_DECLINE_CODES)).toContain(code);
    expect(PUBLISHED_DECLINE_MIX[0]).toEqual({ code: 'insufficient_funds', weight: 41 });
    expect(new Set(PUBLISHED_DECLINE_MIX.map((d) => d.code)).size).toBe(PUBLISHED_DECLINE_MIX.length);
  });
});

describe('sandbox idempotency', () => {
  it('returns the stored result for a repeated key and stores one row', async () => {
    const { gateway, ledger } = setup();
    const req = request('tok_insufficient_funds');
    const first = await gateway.charge(req);
    const second = await gateway.charge({ ...req });
    expect(second).toEqual(first);
    expect(await ledger.countForToken('tok_insufficient_funds')).toBe(1);
  });

  it('keeps the first answer even when the token would now answer differently', async () => {
    let now = NOW;
    const { gateway } = setup(() => now);
    const req = request(`tok_sim_insufficient_funds_until_${NOW + 1}`);
    expect((await gateway.charge(req)).status).toBe('failed');
    now = NOW + 1;
    expect((await gateway.charge(req)).status).toBe('failed');
  });

  it.each([
    ['amount', { amount: 2600 }],
    ['currency', { currency: 'eur' }],
    ['token', { token: 'tok_ok' }],
  ])('rejects the same key with another %s', async (_field, change) => {
    const { gateway, ledger } = setup();
    const req = request('tok_insufficient_funds');
    await gateway.charge(req);
    await expect(gateway.charge({ ...req, ...change })).rejects.toBeInstanceOf(IdempotencyMismatchError);
    expect(await ledger.countForToken('tok_ok')).toBe(0);
  });

  it('charges once when 20 callers race with the same key, all getting the winner’s answer', async () => {
    // Each caller reads a later clock, so only the first would decide "declined" on its own.
    let tick = NOW;
    const { gateway, ledger } = setup(() => tick++);
    const token = `tok_sim_insufficient_funds_until_${NOW + 1}`;
    const req = request(token);
    const results = await Promise.all(Array.from({ length: 20 }, () => gateway.charge({ ...req })));
    expect(await ledger.countForToken(token)).toBe(1);
    expect(tick).toBe(NOW + 20);
    const stored = await ledger.find(req.idempotencyKey);
    for (const r of results) expect(r).toEqual(stored?.result);
    expect(stored?.result.status).toBe('failed');
  });

  it('rejects a bad amount or currency, naming the field', async () => {
    const { gateway } = setup();
    await expect(gateway.charge(request('tok_ok', { amount: 12.5 }))).rejects.toThrow(/amount/);
    await expect(gateway.charge(request('tok_ok', { amount: 0 }))).rejects.toThrow(/amount/);
    await expect(gateway.charge(request('tok_ok', { currency: 'dollars' }))).rejects.toThrow(/currency/);
  });
});
