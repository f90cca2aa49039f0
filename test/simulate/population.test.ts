import { describe, expect, it } from 'vitest';
import { classifyDecline } from '../../src/domain/declines.ts';
import { isCurrency, isMinorAmount } from '../../src/domain/money.ts';
import { PUBLISHED_DECLINE_MIX, sandboxOutcome } from '../../src/gateways/sandbox/tokens.ts';
import { failingToken, generatePopulation } from '../../src/simulate/population.ts';
import { createRandom } from '../../src/simulate/random.ts';

const START = Date.UTC(2026, 0, 5);
const DAY = 86_400_000;
const TOKEN = /^tok_sim_([a-z_]+)_(?:until_(\d+)|never)$/;

describe('synthetic population', () => {
  it('is the same for the same seed and differs for another', () => {
    const options = { seed: 42, customers: 300, start: START, days: 60 };
    expect(generatePopulation(options)).toEqual(generatePopulation(options));
    expect(generatePopulation({ ...options, seed: 43 })).not.toEqual(generatePopulation(options));
  });

  it('draws decline codes in the published mix, and only soft ones recover by themselves', () => {
    const random = createRandom(7);
    const draws = 10_000;
    const counts = new Map<string, number>();
    let soft = 0;
    let softRecovering = 0;
    for (let i = 0; i < draws; i += 1) {
      const token = failingToken(random, START);
      const [, code, until] = TOKEN.exec(token) ?? [];
      expect(code).toBeDefined();
      counts.set(code!, (counts.get(code!) ?? 0) + 1);
      const declineClass = classifyDecline({ code: code! }).class;
      if (declineClass !== 'soft') expect(until).toBeUndefined();
      else {
        soft += 1;
        if (until) {
          softRecovering += 1;
          expect(Number(until) - START).toBeGreaterThanOrEqual(DAY);
          expect(Number(until) - START).toBeLessThanOrEqual(21 * DAY);
        }
      }
    }
    const totalWeight = PUBLISHED_DECLINE_MIX.reduce((sum, d) => sum + d.weight, 0);
    for (const { code, weight } of PUBLISHED_DECLINE_MIX) {
      const p = weight / totalWeight;
      // Four standard deviations: a correct sampler fails this about once in 15,000 runs per code.
      const tolerance = 4 * Math.sqrt((p * (1 - p)) / draws) + 0.001;
      expect(Math.abs((counts.get(code) ?? 0) / draws - p), code).toBeLessThan(tolerance);
    }
    expect(softRecovering / soft).toBeGreaterThan(0.6);
    expect(softRecovering / soft).toBeLessThan(0.7);
  });

  it('generates only valid rows, in the advertised shares', () => {
    const days = 60;
    const p = generatePopulation({ seed: 1, customers: 10_000, start: START, days });
    const end = START + days * DAY;
    const customers = new Map(p.customers.map((c) => [c.id, c]));
    expect(customers.size).toBe(10_000);

    for (const zone of new Set(p.customers.map((c) => c.timeZone))) {
      expect(() => new Intl.DateTimeFormat('en', { timeZone: zone })).not.toThrow();
    }
    for (const locale of new Set(p.customers.map((c) => c.locale))) {
      expect(Intl.getCanonicalLocales(locale)).toEqual([locale]);
    }
    expect(p.customers.filter((c) => !isCurrency(c.currency))).toEqual([]);
    expect(p.customers.filter((c) => c.email !== null && !/^[a-z0-9.]+@example\.com$/.test(c.email))).toEqual(
      [],
    );
    const share = (n: number) => n / p.customers.length;
    expect(share(p.customers.filter((c) => c.segment === 'b2b').length)).toBeCloseTo(0.2, 1);
    expect(share(p.customers.filter((c) => c.optedOut.includes('email')).length)).toBeCloseTo(0.03, 1);
    expect(share(p.customers.filter((c) => c.email === null).length)).toBeCloseTo(0.02, 1);
    expect(new Set(p.customers.map((c) => c.currency))).toEqual(new Set(['USD', 'GBP', 'EUR', 'JPY']));

    const cardIds = new Set(p.cards.map((c) => c.id));
    expect(cardIds.size).toBe(p.cards.length);
    const badCards = p.cards.filter(
      (card) =>
        customers.get(card.customerId)?.segment !== 'card' ||
        card.expMonth < 1 ||
        card.expMonth > 12 ||
        !/^\d{4}$/.test(card.last4),
    );
    expect(badCards).toEqual([]);

    const invoiceIds = new Set([...p.renewals, ...p.invoices].map((i) => i.invoiceId));
    expect(invoiceIds.size).toBe(p.renewals.length + p.invoices.length);
    const badRenewals = p.renewals.filter(
      (r) =>
        r.currency !== customers.get(r.customerId)?.currency ||
        !isMinorAmount(r.amount) ||
        r.amount === 0 ||
        r.at < START ||
        r.at >= end ||
        r.breaks.some((b) => !cardIds.has(b.methodId)),
    );
    expect(badRenewals).toEqual([]);
    // Every token must be one the sandbox understands, or the engine would crash on it.
    for (const r of p.renewals) for (const b of r.breaks) sandboxOutcome(b.token, 0, r.at);
    const badInvoices = p.invoices.filter(
      (i) =>
        customers.get(i.customerId)?.segment !== 'b2b' ||
        i.currency !== customers.get(i.customerId)?.currency ||
        !isMinorAmount(i.amount) ||
        i.amount === 0 ||
        i.issuedAt >= end ||
        i.dueAt - i.issuedAt !== 30 * DAY,
    );
    expect(badInvoices).toEqual([]);
    const failing = p.renewals.filter((r) => r.breaks.length > 0).length / p.renewals.length;
    expect(failing).toBeGreaterThan(0.08);
    expect(failing).toBeLessThan(0.16);
  });
});
