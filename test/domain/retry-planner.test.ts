import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyDecline, STRIPE_DECLINE_CODES } from '../../src/domain/declines.ts';
import { DEFAULT_NETWORK_RULES } from '../../src/domain/network-rules.ts';
import {
  type AttemptFacts,
  DEFAULT_RETRY_LIMITS,
  isExpired,
  type MethodFacts,
  planRetry,
} from '../../src/domain/retry-planner.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-01T09:00:00Z');

const card = (id: string, priority: number, extra: Partial<MethodFacts> = {}): MethodFacts => ({
  id,
  priority,
  status: 'active',
  expMonth: 12,
  expYear: 2030,
  ...extra,
});

const failed = (methodId: string, at: number, extra: Partial<AttemptFacts> = {}): AttemptFacts => ({
  methodId,
  at,
  outcome: 'failed',
  stopMethod: false,
  retryAfterMs: null,
  ...extra,
});

const plan = (methods: MethodFacts[], attempts: AttemptFacts[], now: number, tried: string[] = []) =>
  planRetry({ methods, attempts, now, limits: DEFAULT_RETRY_LIMITS, triedThisStep: new Set(tried) });

describe('planRetry examples', () => {
  it('charges the lowest priority number first, ties broken by id, skipping disabled methods', () => {
    const methods = [
      card('pm_z', 2),
      card('pm_b', 1),
      card('pm_a', 1, { status: 'disabled' }),
      card('pm_c', 1),
    ];
    const result = plan(methods, [], T0);
    expect(result).toMatchObject({ kind: 'charge', methodId: 'pm_b' });
    expect(result.rule).toBe('method pm_a skipped: disabled; charging pm_b (priority 1)');
  });

  it('keeps charging a card through the last instant of its expiry month, then skips it', () => {
    const methods = [card('pm_old', 1, { expMonth: 3, expYear: 2026 }), card('pm_new', 2)];
    expect(plan(methods, [], Date.parse('2026-03-31T23:59:59.999Z'))).toMatchObject({ methodId: 'pm_old' });
    const after = plan(methods, [], Date.parse('2026-04-01T00:00:00Z'));
    expect(after).toMatchObject({ kind: 'charge', methodId: 'pm_new' });
    expect(after.rule).toContain('pm_old skipped: card expired 3/2026');
  });

  it('rolls a December expiry into the next year', () => {
    const dec = card('pm', 1, { expMonth: 12, expYear: 2026 });
    expect(isExpired(dec, Date.parse('2026-12-31T23:59:59.999Z'))).toBe(false);
    expect(isExpired(dec, Date.parse('2027-01-01T00:00:00Z'))).toBe(true);
    expect(isExpired(card('pm', 1, { expMonth: null, expYear: null }), T0)).toBe(false);
  });

  it('never charges a method again after a stopping decline', () => {
    const methods = [card('pm_1', 1), card('pm_2', 2), card('pm_3', 3)];
    const attempts = [failed('pm_2', T0, { stopMethod: true }), failed('pm_1', T0, { stopMethod: true })];
    const result = plan(methods, attempts, T0 + 40 * DAY);
    expect(result).toMatchObject({ kind: 'charge', methodId: 'pm_3' });
    expect(result.rule).toBe(
      'method pm_1 skipped: hard decline on 2026-03-01; method pm_2 skipped: hard decline on 2026-03-01; ' +
        'charging pm_3 (priority 3)',
    );
  });

  it('caps a method at 15 attempts in 30 days and waits until the oldest leaves the window', () => {
    const attempts = Array.from({ length: 15 }, (_, i) => failed('pm_1', T0 + i * DAY));
    const methods = [card('pm_1', 1)];
    expect(plan(methods, attempts.slice(0, 14), T0 + 20 * DAY)).toMatchObject({
      kind: 'charge',
      methodId: 'pm_1',
    });
    const capped = plan(methods, attempts, T0 + 20 * DAY);
    const frees = T0 + 30 * DAY + 1;
    expect(capped).toEqual({
      kind: 'wait',
      until: frees,
      rule: expect.stringContaining('capped until 2026-03-31'),
    });
    expect(plan(methods, attempts, frees - 1).kind).toBe('wait');
    expect(plan(methods, attempts, frees)).toMatchObject({ kind: 'charge', methodId: 'pm_1' });
  });

  it('counts succeeded and pending attempts towards the cap', () => {
    const attempts = Array.from({ length: 15 }, (_, i) =>
      failed('pm_1', T0 + i * HOUR, { outcome: (['failed', 'succeeded', 'pending'] as const)[i % 3]! }),
    );
    expect(plan([card('pm_1', 1)], attempts, T0 + DAY).kind).toBe('wait');
  });

  it('charges the next method while the first is capped', () => {
    const attempts = Array.from({ length: 15 }, (_, i) => failed('pm_1', T0 + i * HOUR));
    expect(plan([card('pm_1', 1), card('pm_2', 2)], attempts, T0 + DAY)).toMatchObject({ methodId: 'pm_2' });
  });

  it('waits for every network advice still in force, even when another decline came later', () => {
    const methods = [card('pm_1', 1)];
    const advised = [failed('pm_1', T0, { retryAfterMs: DAY })];
    expect(plan(methods, advised, T0 + HOUR)).toEqual({
      kind: 'wait',
      until: T0 + DAY,
      rule: 'method pm_1 skipped: network advice to wait until 2026-03-02 09:00 UTC; waiting until 2026-03-02 09:00 UTC for pm_1',
    });
    expect(plan(methods, advised, T0 + DAY)).toMatchObject({ kind: 'charge' });
    // A decline without advice inside the wait (a manual retry, say) does not cancel the network's wait.
    const later = [...advised, failed('pm_1', T0 + 2 * HOUR)];
    expect(plan(methods, later, T0 + 3 * HOUR)).toMatchObject({ kind: 'wait', until: T0 + DAY });
    // Two steps due at the same instant: the advised decline binds whichever came first in the list.
    const together = [failed('pm_1', T0), failed('pm_1', T0, { retryAfterMs: DAY })];
    expect(plan(methods, together, T0 + HOUR)).toMatchObject({ kind: 'wait', until: T0 + DAY });
  });

  it('waits for the earliest of several blocked methods', () => {
    const attempts = [
      failed('pm_1', T0, { retryAfterMs: 4 * DAY }),
      failed('pm_2', T0, { retryAfterMs: DAY }),
    ];
    expect(plan([card('pm_1', 1), card('pm_2', 2)], attempts, T0 + HOUR)).toMatchObject({
      kind: 'wait',
      until: T0 + DAY,
    });
  });

  it('gives up on a method whose wait outlasts its card', () => {
    const attempts = [failed('pm_1', Date.parse('2026-03-30T00:00:00Z'), { retryAfterMs: 10 * DAY })];
    const result = plan(
      [card('pm_1', 1, { expMonth: 3, expYear: 2026 })],
      attempts,
      Date.parse('2026-03-30T01:00:00Z'),
    );
    expect(result.kind).toBe('none');
  });

  it('skips methods already tried in this step and reports none when all were', () => {
    const methods = [card('pm_1', 1), card('pm_2', 2)];
    expect(plan(methods, [], T0, ['pm_1'])).toMatchObject({ kind: 'charge', methodId: 'pm_2' });
    const done = plan(methods, [], T0, ['pm_1', 'pm_2']);
    expect(done.kind).toBe('none');
    expect(done.rule).toContain('already tried in this step');
  });

  it('reports none when there is nothing on file or everything is stopped', () => {
    expect(plan([], [], T0)).toEqual({ kind: 'none', rule: 'no payment method on file' });
    expect(plan([card('pm_1', 1)], [failed('pm_1', T0, { stopMethod: true })], T0 + DAY).kind).toBe('none');
  });

  it('rejects a cap below one attempt', () => {
    expect(() =>
      planRetry({
        methods: [],
        attempts: [],
        now: T0,
        limits: { maxAttemptsPerMethod: 0, windowDays: 30 },
        triedThisStep: new Set(),
      }),
    ).toThrow(/maxAttemptsPerMethod/);
  });
});

// The oracle below recomputes each rule independently of the planner's code.
const expiryInstant = (m: MethodFacts): number =>
  m.expMonth === null || m.expYear === null ? Number.POSITIVE_INFINITY : Date.UTC(m.expYear, m.expMonth, 1);

const ALL_CODES = Object.keys(STRIPE_DECLINE_CODES);
const SOFT_CODES = ALL_CODES.filter((c) => STRIPE_DECLINE_CODES[c]!.class === 'soft');
const ADVICE = [null, ...Object.keys(DEFAULT_NETWORK_RULES.mastercardAdvice)];

const methodArb = fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  status: fc.constantFrom<MethodFacts['status']>('active', 'active', 'active', 'disabled'),
  expiry: fc.option(
    fc.record({ expMonth: fc.integer({ min: 1, max: 12 }), expYear: fc.constantFrom(2026, 2027) }),
  ),
});

// Soft codes are weighted up so methods live long enough to meet the cap; every code still occurs.
const outcomeArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'succeeded' as const }) },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('failed' as const),
      code: fc.oneof(
        { weight: 1, arbitrary: fc.constantFrom(...ALL_CODES) },
        { weight: 4, arbitrary: fc.constantFrom(...SOFT_CODES) },
      ),
      networkAdviceCode: fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...ADVICE) },
      ),
      networkDeclineCode: fc.oneof(
        { weight: 8, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom('04', '51', 'R0', '05') },
      ),
    }),
  },
);

// Mostly short gaps, so a long-lived card meets the 15-in-30-days cap; long gaps let windows and waits expire.
const stepGapArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 * HOUR }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 * DAY }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 * DAY }) },
);

const scenarioArb = fc.record({
  methods: fc.array(methodArb, { minLength: 0, maxLength: 4 }),
  gaps: fc.array(stepGapArb, { minLength: 1, maxLength: 120, size: 'max' }),
  outcomes: fc.infiniteStream(outcomeArb),
});

type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Outcome = ArbValue<typeof outcomeArb>;
type ScenarioInput = ArbValue<typeof scenarioArb>;
type Scenario = {
  methods: MethodFacts[];
  attempts: AttemptFacts[];
  steps: { at: number; charged: string[] }[];
};

function simulate(input: ScenarioInput): Scenario {
  const methods: MethodFacts[] = input.methods.map((m, i) => ({
    id: `pm_${i}`,
    priority: m.priority,
    status: m.status,
    expMonth: m.expiry?.expMonth ?? null,
    expYear: m.expiry?.expYear ?? null,
  }));
  const attempts: AttemptFacts[] = [];
  const steps: Scenario['steps'] = [];
  const outcomes = input.outcomes[Symbol.iterator]();
  let now = Date.parse('2026-01-01T00:00:00Z');
  for (const gap of input.gaps) {
    now += gap;
    const tried = new Set<string>();
    const step = { at: now, charged: [] as string[] };
    steps.push(step);
    for (;;) {
      const result = planRetry({
        methods,
        attempts,
        now,
        limits: DEFAULT_RETRY_LIMITS,
        triedThisStep: tried,
      });
      if (result.kind === 'wait') expect(result.until).toBeGreaterThan(now);
      if (result.kind !== 'charge') break;
      step.charged.push(result.methodId);
      tried.add(result.methodId);
      const outcome: Outcome = outcomes.next().value;
      if (outcome.kind === 'succeeded') {
        attempts.push({
          methodId: result.methodId,
          at: now,
          outcome: 'succeeded',
          stopMethod: false,
          retryAfterMs: null,
        });
        break;
      }
      const verdict = classifyDecline({ ...outcome, brand: null });
      attempts.push({
        methodId: result.methodId,
        at: now,
        outcome: 'failed',
        stopMethod: verdict.stopMethod,
        retryAfterMs: verdict.retryAfterMs,
      });
    }
  }
  return { methods, attempts, steps };
}

describe('planRetry properties over simulated dunning', () => {
  const runs = { numRuns: 300 };

  it('never charges a method again after a hard decline or stop', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const { attempts } = simulate(input);
        const stoppedAt = new Map<string, number>();
        for (const a of attempts) {
          const stop = stoppedAt.get(a.methodId);
          expect(stop === undefined || a.at < stop, `${a.methodId} charged after its stop`).toBe(true);
          if (a.stopMethod && stop === undefined) stoppedAt.set(a.methodId, a.at);
        }
      }),
      runs,
    );
  });

  it('keeps every method within the cap in every trailing 30-day window', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const { attempts } = simulate(input);
        const windowMs = DEFAULT_RETRY_LIMITS.windowDays * DAY;
        for (const a of attempts) {
          const inWindow = attempts.filter(
            (b) => b.methodId === a.methodId && b.at <= a.at && b.at >= a.at - windowMs,
          );
          expect(inWindow.length).toBeLessThanOrEqual(DEFAULT_RETRY_LIMITS.maxAttemptsPerMethod);
        }
      }),
      runs,
    );
  });

  it('never charges an expired or disabled card, nor before the network’s wait is over', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const { methods, attempts } = simulate(input);
        for (const [i, a] of attempts.entries()) {
          const method = methods.find((m) => m.id === a.methodId)!;
          expect(a.at).toBeLessThan(expiryInstant(method));
          expect(method.status).toBe('active');
          const previous = attempts
            .slice(0, i)
            .filter((b) => b.methodId === a.methodId && b.outcome === 'failed')
            .at(-1);
          if (previous?.retryAfterMs != null)
            expect(a.at).toBeGreaterThanOrEqual(previous.at + previous.retryAfterMs);
        }
      }),
      runs,
    );
  });

  it('charges each method at most once per step, in priority order', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const { methods, steps } = simulate(input);
        const rank = (id: string) => {
          const m = methods.find((x) => x.id === id)!;
          return [m.priority, id] as const;
        };
        for (const step of steps) {
          expect(new Set(step.charged).size).toBe(step.charged.length);
          for (let i = 1; i < step.charged.length; i++) {
            const [pa, ia] = rank(step.charged[i - 1]!);
            const [pb, ib] = rank(step.charged[i]!);
            expect(pa < pb || (pa === pb && ia < ib)).toBe(true);
          }
        }
      }),
      runs,
    );
  });

  it('actually reaches the cap in some simulations, so the cap property is exercised', () => {
    let capped = 0;
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const { attempts } = simulate(input);
        const perMethod = new Map<string, number[]>();
        for (const a of attempts) perMethod.set(a.methodId, [...(perMethod.get(a.methodId) ?? []), a.at]);
        for (const times of perMethod.values()) {
          if (times.some((t) => times.filter((u) => u <= t && u >= t - 30 * DAY).length === 15)) capped++;
        }
      }),
      { numRuns: 300, seed: 42 },
    );
    expect(capped).toBeGreaterThan(0);
  });
});
