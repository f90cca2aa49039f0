import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditOnClose } from '../../src/analytics/recovery-credit.ts';
import { type RecoverySummary, recoverySummary } from '../../src/analytics/recovery-summary.ts';
import { loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { MemoryLedger } from '../../src/gateways/sandbox/memory-ledger.ts';
import { type Runtime, openRuntime } from '../../src/runtime/runtime.ts';
import { generatePopulation } from '../../src/simulate/population.ts';
import { type SimulationReport, runSimulation } from '../../src/simulate/runner.ts';
import type { Db } from '../../src/store/database.ts';
import { type TestDatabaseUrl, freshDatabaseUrl } from '../support/databases.ts';

const START = Date.UTC(2026, 0, 5);
const DAYS = 25;

describe('simulation through the real engine', () => {
  let target: TestDatabaseUrl;
  let outbox: string;
  let runtime: Runtime;
  let report: SimulationReport;
  let db: Db;

  beforeAll(async () => {
    target = await freshDatabaseUrl();
    outbox = mkdtempSync(join(tmpdir(), 'recoup-sim-outbox-'));
    const config = { ...loadConfig({}), databaseUrl: target.url, outboxDir: outbox };
    runtime = await openRuntime(config, {
      clock: new VirtualClock(START),
      ledger: new MemoryLedger(),
      logger: pino({ level: 'silent' }),
      owner: 'sim-test',
    });
    db = runtime.database.db;
    // A high failure rate gives a small population enough card cases to see every way back.
    const population = generatePopulation({
      seed: 3,
      customers: 150,
      start: START,
      days: DAYS,
      renewalFailureRate: 0.4,
    });
    report = await runSimulation(runtime, population, { days: DAYS, start: START });
  });

  afterAll(async () => {
    await runtime?.close();
    await target?.drop();
    if (outbox) rmSync(outbox, { recursive: true, force: true });
  });

  it('recovers some cases by retries and some by customer action', async () => {
    expect(report.failedRenewals).toBeGreaterThan(0);
    const byRetry = await db
      .selectFrom('payment_attempts')
      .select('case_id')
      .where('status', '=', 'succeeded')
      .where('payment_method_id', 'not like', '%_new')
      .execute();
    const byNewCard = await db
      .selectFrom('payment_attempts')
      .select('case_id')
      .where('status', '=', 'succeeded')
      .where('payment_method_id', 'like', '%_new')
      .execute();
    const portal = await db
      .selectFrom('payments')
      .innerJoin('cases', 'cases.id', 'payments.case_id')
      .select('cases.id')
      .where('payments.source', '=', 'api')
      .where('cases.state', '=', 'recovered')
      .execute();
    expect(byRetry.length).toBeGreaterThan(0);
    expect(byNewCard.length).toBeGreaterThan(0);
    expect(portal.length).toBeGreaterThan(0);
  });

  it('records simulated opens and clicks as the tracking routes do: once each, never before the send', async () => {
    const sent = await db
      .selectFrom('messages')
      .select(['id', 'sent_at', 'opened_at', 'clicked_at'])
      .where('status', '=', 'sent')
      .execute();
    const opened = sent.filter((m) => m.opened_at !== null);
    const clicked = sent.filter((m) => m.clicked_at !== null);
    expect(report.remindersOpened).toBe(opened.length);
    expect(report.remindersClicked).toBe(clicked.length);
    expect(opened.length).toBeGreaterThan(0);
    expect(clicked.length).toBeGreaterThan(0);
    expect(opened.length).toBeLessThan(sent.length);
    // A click implies an open, and nothing is read before it was sent.
    expect(clicked.filter((m) => m.opened_at === null || m.opened_at > m.clicked_at!)).toEqual([]);
    expect(opened.filter((m) => m.opened_at! < m.sent_at!)).toEqual([]);
    // Each first open and first click was announced once.
    const events = await db
      .selectFrom('outbox_events')
      .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', 'in', ['message.opened', 'message.clicked'])
      .groupBy('type')
      .execute();
    const count = (type: string) => Number(events.find((e) => e.type === type)?.n ?? 0);
    expect(count('message.opened')).toBe(opened.length);
    expect(count('message.clicked')).toBe(clicked.length);
  });

  it('never charges twice for the same case step, nor twice successfully for a case', async () => {
    const keys = await db
      .selectFrom('payment_attempts')
      .select((eb) => [
        eb.fn.countAll<number>().as('attempts'),
        sql<number>`count(distinct idempotency_key)`.as('keys'),
      ])
      .executeTakeFirstOrThrow();
    expect(Number(keys.attempts)).toBeGreaterThan(0);
    expect(Number(keys.keys)).toBe(Number(keys.attempts));
    const twice = await db
      .selectFrom('payment_attempts')
      .select('case_id')
      .where('status', '=', 'succeeded')
      .groupBy('case_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(twice).toEqual([]);
  });

  it('sends nothing after a case closes and keeps every open case scheduled', async () => {
    const late = await db
      .selectFrom('messages')
      .innerJoin('cases', 'cases.id', 'messages.case_id')
      .select(['messages.id', 'messages.created_at', 'cases.closed_at'])
      .where('cases.closed_at', 'is not', null)
      .whereRef('messages.created_at', '>', 'cases.closed_at')
      .execute();
    expect(late).toEqual([]);
    const unscheduled = await db
      .selectFrom('cases')
      .select('id')
      .where('state', '=', 'open')
      .where('next_due_at', 'is', null)
      .execute();
    expect(unscheduled).toEqual([]);
  });

  it('stamps each case as it closes with the step it is credited to, as worked out from its history', async () => {
    const cases = await db
      .selectFrom('cases as c')
      .select(['c.id', 'c.state', 'c.credited_step', creditOnClose('c').as('from_history')])
      .execute();
    const closed = cases.filter((c) => c.state !== 'open');
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.filter((c) => c.credited_step !== c.from_history)).toEqual([]);
    expect(cases.filter((c) => c.state === 'open' && c.credited_step !== null)).toEqual([]);
    // Both kinds of credit occur: retries that collected and reminders the customer answered.
    const recovered = new Set(closed.filter((c) => c.state === 'recovered').map((c) => c.credited_step));
    expect([...recovered].some((s) => s?.startsWith('retry'))).toBe(true);
    expect([...recovered].some((s) => s && !s.startsWith('retry'))).toBe(true);
  });

  it('keeps money consistent: a recovered case got exactly what it recovered, every paid invoice in full', async () => {
    const mismatched = await db
      .selectFrom('cases')
      .leftJoin('payments', 'payments.case_id', 'cases.id')
      .select([
        'cases.id',
        'cases.amount_recovered',
        sql<number>`coalesce(sum(payments.amount), 0)`.as('paid'),
      ])
      .groupBy(['cases.id', 'cases.amount_recovered'])
      .having(sql`coalesce(sum(payments.amount), 0)`, '!=', sql.ref('cases.amount_recovered'))
      .execute();
    expect(mismatched).toEqual([]);
    const partlyPaid = await db
      .selectFrom('invoices')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'paid'), eb('amount_paid', '!=', eb.ref('total'))]),
          eb('amount_paid', '>', eb.ref('total')),
        ]),
      )
      .execute();
    expect(partlyPaid).toEqual([]);
  });

  it('summarises exactly what direct SQL sums say', async () => {
    const now = runtime.deps.clock.now();
    const summary: RecoverySummary = await recoverySummary(db, now);
    const cases = await db.selectFrom('cases').selectAll().execute();
    // Money that never failed, per case: paid on or before the due date of an invoice no charge failed for, and
    // (open cases) owed on such invoices not due yet.
    const payments = await db
      .selectFrom('payments as p')
      .innerJoin('invoices as i', 'i.id', 'p.invoice_id')
      .select(['p.case_id', 'p.amount', 'p.received_at', 'i.due_at', 'i.failed_at'])
      .execute();
    const invoices = await db.selectFrom('invoices').selectAll().execute();
    const onTime = new Map<string, number>();
    for (const p of payments) {
      if (p.case_id && p.failed_at === null && p.received_at <= p.due_at)
        onTime.set(p.case_id, (onTime.get(p.case_id) ?? 0) + p.amount);
    }
    const notDue = new Map<string, number>();
    for (const i of invoices) {
      if (i.case_id && i.status === 'open' && i.failed_at === null && i.due_at > now)
        notDue.set(i.case_id, (notDue.get(i.case_id) ?? 0) + i.total - i.amount_paid);
    }
    const money = cases.map((c) => {
      const early = onTime.get(c.id) ?? 0;
      const pending = c.state === 'open' ? (notDue.get(c.id) ?? 0) : 0;
      return { c, early, failed: c.amount_failed - early - pending, recovered: c.amount_recovered - early };
    });
    // The simulation's B2B customers pay some invoices on time: the definitions are exercised.
    expect(money.some((m) => m.early > 0)).toBe(true);
    const currencies = [...new Set(cases.map((c) => c.currency))].sort();
    expect(summary.currencies.map((c) => c.currency)).toEqual(currencies);
    for (const currency of currencies) {
      const own = money.filter((m) => m.c.currency === currency);
      const failed = own.reduce((sum, m) => sum + m.failed, 0);
      const recovered = own.reduce((sum, m) => sum + m.recovered, 0);
      const recoveredCases = own.filter((m) => m.c.state === 'recovered' && m.recovered > 0);
      const line = summary.currencies.find((c) => c.currency === currency)!;
      expect(line).toMatchObject({
        cases: own.length,
        failedAmount: failed,
        recoveredAmount: recovered,
        collectedOnTimeAmount: own.reduce((sum, m) => sum + m.early, 0),
        recoveredCases: recoveredCases.length,
      });
      expect(line.recoveryRate).toBeCloseTo(recovered / failed, 12);

      const classes = summary.byDeclineClass.filter((c) => c.currency === currency);
      expect(classes.reduce((sum, c) => sum + c.cases, 0)).toBe(own.filter((m) => m.failed > 0).length);
      expect(classes.reduce((sum, c) => sum + c.failedAmount, 0)).toBe(failed);
      expect(classes.reduce((sum, c) => sum + c.recoveredAmount, 0)).toBe(
        own.filter((m) => m.failed > 0).reduce((sum, m) => sum + m.recovered, 0),
      );
      const steps = summary.byStep.filter((s) => s.currency === currency);
      expect(steps.reduce((sum, s) => sum + s.cases, 0)).toBe(recoveredCases.length);
      expect(steps.reduce((sum, s) => sum + s.recoveredAmount, 0)).toBe(
        recoveredCases.reduce((sum, m) => sum + m.recovered, 0),
      );
    }
    const messages = await db.selectFrom('messages').select('id').execute();
    expect(summary.messages.reduce((sum, m) => sum + m.messages, 0)).toBe(messages.length);
    expect(summary.casesByState.reduce((sum, s) => sum + s.cases, 0)).toBe(cases.length);
    expect(summary.byStep.every((s) => Number.isSafeInteger(s.recoveredAmount))).toBe(true);
  });
});
