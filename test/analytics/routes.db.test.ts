import { trackingSignerFor } from '../../src/security/tracking-tokens.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 2, 1, 9);

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld(START);
  // Two failed renewals in different currencies and segments, opened by the engine.
  const { world } = api;
  const smb = await world.customer({ attributes: { segment: 'smb' } });
  const consumer = await world.customer({ attributes: { segment: 'consumer' } });
  await world.method(smb, 'tok_insufficient_funds');
  await world.method(consumer, 'tok_expired_card');
  await world.invoice(smb, { total: 12_000, dueAt: START - DAY, currency: 'USD' });
  await world.invoice(consumer, { total: 3_000, dueAt: START - DAY, currency: 'EUR' });
  await world.advance(START);
  // An hour later: the default period ends (exclusively) at now, so it covers what the tick did.
  world.clock.set(START + HOUR);
});
afterAll(async () => api.close());

const get = (url: string) => api.call({ role: 'viewer' }, { method: 'GET', url });

describe('GET /v1/analytics/*', () => {
  it('covers the 30 days ending now by default, per currency, for a viewer', async () => {
    const res = await get('/v1/analytics/overview');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const now = START + HOUR;
    expect(body.from).toBe(new Date(now - 30 * DAY).toISOString());
    expect(body.to).toBe(new Date(now).toISOString());
    expect(body.currencies.map((c: { currency: string }) => c.currency)).toEqual(['EUR', 'USD']);
    expect(body.currencies[1]).toMatchObject({
      currency: 'USD',
      failed_amount: 12_000,
      cases_opened: 1,
      active_cases: 1,
      open_overdue_amount: 12_000,
      aging: { current: 0, days_1_30: 12_000, days_31_60: 0, days_61_90: 0, days_90_plus: 0 },
    });
  });

  it('breaks recovery down by the segment the engine stored on each case', async () => {
    const res = await get('/v1/analytics/breakdown?dimension=segment');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().dimension).toBe('segment');
    expect(
      res
        .json()
        .rows.map((r: { currency: string; key: string; cases: number }) => [r.currency, r.key, r.cases]),
    ).toEqual([
      ['EUR', 'consumer', 1],
      ['USD', 'smb', 1],
    ]);
  });

  it('lists the day the cases opened, and the reminders the engine sent', async () => {
    const daily = await get('/v1/analytics/daily');
    const days = daily.json().days;
    // Every day of the default period (the 30 days ending now touch 31 calendar days), in both currencies.
    expect(days).toHaveLength(62);
    expect(days[0]).toEqual({
      date: '2026-01-30',
      currency: 'EUR',
      failed_amount: 0,
      recovered_amount: 0,
      collected_on_time_amount: 0,
    });
    expect(days.slice(-2)).toEqual([
      {
        date: '2026-03-01',
        currency: 'EUR',
        failed_amount: 3_000,
        recovered_amount: 0,
        collected_on_time_amount: 0,
      },
      {
        date: '2026-03-01',
        currency: 'USD',
        failed_amount: 12_000,
        recovered_amount: 0,
        collected_on_time_amount: 0,
      },
    ]);
    const messages = await get('/v1/analytics/messages');
    expect(messages.statusCode, messages.body).toBe(200);
    // Both cases got the card policy's day-0 reminder in the same tick; no payment followed.
    expect(messages.json().rows).toEqual([
      {
        channel: 'email',
        template: 'payment-failed',
        sent: 2,
        failed: 0,
        opened: 0,
        clicked: 0,
        open_rate: 0,
        click_rate: 0,
        paid_within_72h: 0,
        paid_within_72h_rate: 0,
      },
    ]);
  });

  it('forecasts from the open cases and explains how', async () => {
    const res = await get('/v1/analytics/forecast');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().method.length).toBeGreaterThan(200);
    expect(
      res.json().currencies.map((c: { currency: string; open_amount: number }) => c.open_amount),
    ).toEqual([3_000, 12_000]);
  });

  it('refuses a bad period, naming the query parameter', async () => {
    const cases: [string, string][] = [
      ['/v1/analytics/overview?from=yesterday', 'query.from'],
      ['/v1/analytics/daily?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z', 'query.from'],
      ['/v1/analytics/messages?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.from'],
      ['/v1/analytics/overview?to=2026-13-01T00:00:00Z', 'query.to'],
      ['/v1/analytics/breakdown', 'query.dimension'],
      ['/v1/analytics/breakdown?dimension=colour', 'query.dimension'],
      ['/v1/analytics/overview?currency=USD', 'query.currency'],
      ['/v1/analytics/forecast?from=2026-01-01T00:00:00Z', 'query.from'],
    ];
    for (const [url, field] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(
        res.json().errors.map((e: { field: string }) => e.field),
        url,
      ).toContain(field);
    }
  });

  it('counts the reminders readers opened and clicked through the tracking links', async () => {
    const db = api.world.runtime.database.db;
    const signer = trackingSignerFor(api.world.runtime.deps.cipher.keyring);
    const [first, second] = await db.selectFrom('messages').select('id').orderBy('id').execute();
    const pixel = await api.app.inject({ method: 'GET', url: `/t/o/${signer.openToken(first!.id)}` });
    expect(pixel.statusCode).toBe(200);
    const link = 'https://pay.example.com/somewhere';
    const click = await api.app.inject({
      method: 'GET',
      url: `/t/c/${signer.clickToken(second!.id, link)}?u=${encodeURIComponent(link)}`,
    });
    expect(click.headers.location).toBe(link);
    const res = await get('/v1/analytics/messages');
    // A click counts as an open too: both were opened, one was clicked.
    expect(res.json().rows).toEqual([
      expect.objectContaining({
        template: 'payment-failed',
        sent: 2,
        opened: 2,
        clicked: 1,
        open_rate: 1,
        click_rate: 0.5,
      }),
    ]);
  });

  it('turns away callers without data:read', async () => {
    expect((await api.call('anonymous', { method: 'GET', url: '/v1/analytics/overview' })).statusCode).toBe(
      401,
    );
  });
});
