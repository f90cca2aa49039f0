import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/domain/policy.ts';
import { applyPolicyVersion } from '../../src/store/policies.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, HOUR, createWorld } from '../support/world.ts';

// 1 March 2026 crosses both DST changes in the run: New York on 8 March, Berlin on 29 March.
const START = Date.UTC(2026, 2, 1, 0);
const ZONES = ['America/New_York', 'Europe/Berlin'];
const TOKENS = [
  'tok_ok',
  'tok_insufficient_funds',
  'tok_do_not_honor',
  'tok_lost_card',
  'tok_stolen_card',
  'tok_expired_card',
  'tok_authentication_required',
  'tok_processing_error',
  'tok_transaction_not_allowed',
  'tok_visa_category1',
  'tok_mc_advice_03',
  'tok_mc_advice_21',
  'tok_mc_advice_25',
  'tok_mc_advice_27',
  'tok_sim_insufficient_funds_never',
  `tok_sim_insufficient_funds_until_${START + 9 * DAY}`,
  `tok_sim_do_not_honor_until_${START + 20 * DAY}`,
];
const TEMPLATES = ['payment-failed', 'payment-retry-reminder', 'payment-urgent', 'payment-final-notice'];

const stepArb = fc.record({
  minutes: fc.integer({ min: 0, max: 40 * 24 * 60 }),
  action: fc.constantFrom('retry', 'retry', 'remind', 'escalate'),
  template: fc.constantFrom(...TEMPLATES),
});
const policyArb = fc.record({
  steps: fc.array(stepArb, { minLength: 2, maxLength: 14 }),
  startHour: fc.integer({ min: 6, max: 11 }),
  endHour: fc.integer({ min: 15, max: 22 }),
  maxAttemptsPerMethod: fc.integer({ min: 1, max: 6 }),
});
const customerArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  tokens: fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 3 }),
  expired: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  failedAfterHours: fc.integer({ min: 0, max: 72 }),
});
const scenarioArb = fc.record({
  policy: policyArb,
  customers: fc.array(customerArb, { minLength: 1, maxLength: 4 }),
  everyMinutes: fc.integer({ min: 45, max: 8 * 60 }),
});

describe(`engine properties on ${TEST_DB}: random policies and decline sequences`, () => {
  it('never double-charges, never retries a stopped method, keeps the cap, contact hours and stop-on-payment', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const world = await createWorld(START);
        try {
          const { policy: p } = scenario;
          const steps = [...p.steps]
            .sort((a, b) => a.minutes - b.minutes)
            .map((s, i) => ({
              id: `s${i}`,
              offset: `PT${s.minutes}M`,
              action: s.action,
              ...(s.action === 'remind' ? { channel: 'email', template: s.template } : {}),
            }));
          const compiled = compilePolicy({
            name: 'card-subscription',
            anchor: 'first_failure',
            contactHours: { start: `${String(p.startHour).padStart(2, '0')}:00`, end: `${p.endHour}:00` },
            retryLimits: { maxAttemptsPerMethod: p.maxAttemptsPerMethod, windowDays: 30 },
            steps,
          });
          if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
          await applyPolicyVersion(world.runtime.database.db, compiled.value, '', START);
          const zoneOf = new Map<string, string>();
          const expiredMethods = new Set<string>();
          for (const [i, c] of scenario.customers.entries()) {
            const id = await world.customer({ timeZone: c.zone, email: `c${i}@example.com` });
            zoneOf.set(id, c.zone);
            for (const [n, token] of c.tokens.entries()) {
              const expired = c.expired[n] ?? false;
              const m = await world.method(id, token, { priority: n + 1, expYear: expired ? 2025 : 2099 });
              if (expired) expiredMethods.add(m);
            }
            const failedAt = START + c.failedAfterHours * HOUR;
            await world.invoice(id, { total: 1_000 + i, dueAt: failedAt, failedAt });
          }
          for (let t = START; t <= START + 45 * DAY; t += scenario.everyMinutes * 60_000)
            await world.advance(t);

          const db = world.runtime.database.db;
          const attempts = await db
            .selectFrom('payment_attempts')
            .selectAll()
            .orderBy('created_at')
            .execute();
          // No (case, step, method) charged twice.
          const keys = attempts.map((a) => `${a.case_id}:${a.step_id}:${a.payment_method_id}`);
          expect(new Set(keys).size).toBe(keys.length);
          for (const a of attempts) {
            expect(expiredMethods.has(a.payment_method_id)).toBe(false);
            const same = attempts.filter((b) => b.payment_method_id === a.payment_method_id);
            // Nothing after a hard decline / stop advice on that method.
            if (a.stop_method === 1)
              expect(same.filter((b) => b.created_at >= a.created_at && b.id !== a.id)).toEqual([]);
            // Within the cap in every trailing 30-day window.
            const window = same.filter(
              (b) => b.created_at > a.created_at - 30 * DAY && b.created_at <= a.created_at,
            );
            expect(window.length).toBeLessThanOrEqual(p.maxAttemptsPerMethod);
          }
          // Every message inside the customer's contact hours, in their own zone, across DST.
          const messages = await db.selectFrom('messages').selectAll().execute();
          for (const m of messages) {
            const local = DateTime.fromMillis(m.created_at, { zone: zoneOf.get(m.customer_id)! });
            const minutes = local.hour * 60 + local.minute;
            expect(minutes).toBeGreaterThanOrEqual(p.startHour * 60);
            expect(minutes).toBeLessThan(p.endHour * 60);
          }
          // Nothing is sent or charged after a case closes.
          const cases = await db.selectFrom('cases').selectAll().execute();
          for (const c of cases.filter((c) => c.closed_at !== null)) {
            expect(messages.filter((m) => m.case_id === c.id && m.created_at > c.closed_at!)).toEqual([]);
            expect(attempts.filter((a) => a.case_id === c.id && a.created_at > c.closed_at!)).toEqual([]);
          }
          for (const c of cases.filter((c) => c.state === 'recovered')) {
            expect(
              attempts.filter((a) => a.case_id === c.id && a.status === 'succeeded').length,
            ).toBeLessThanOrEqual(1);
          }
        } finally {
          await world.close();
        }
      }),
      { numRuns: TEST_DB === 'postgres' ? 8 : 25 },
    );
  }, 300_000);
});
