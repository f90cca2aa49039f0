import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoveryBreakdown } from '../../src/analytics/breakdown.ts';
import { dailyAmounts } from '../../src/analytics/daily.ts';
import { forecast } from '../../src/analytics/forecast.ts';
import { stampPaidMessages } from '../../src/analytics/message-payments.ts';
import { messageResponse } from '../../src/analytics/message-response.ts';
import { overview } from '../../src/analytics/overview.ts';
import { stampClosedCases } from '../../src/analytics/recovery-credit.ts';
import { recoverySummary } from '../../src/analytics/recovery-summary.ts';
import { ensureShippedPolicies } from '../../src/policies/policy-file.ts';
import type { Sealed } from '../../src/security/sealed.ts';
import { insertMany } from '../../src/store/batch.ts';
import type { Database, Db } from '../../src/store/database.ts';
import { latestPolicyVersions } from '../../src/store/policies.ts';
import type { CaseState, InvoiceStatus } from '../../src/store/tables.ts';
import { freshDatabase } from '../support/databases.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 2, 1, 9);
const feb = (day: number, hour = 0) => Date.UTC(2026, 1, day, hour);
const FEBRUARY = { from: feb(1), to: Date.UTC(2026, 2, 1) };

/**
 * A small business whose every figure is worked out by hand below. In February (the period): USD cases A
 * (recovered by retry-2 four days after opening), B (paid two days after its first reminder) and C (still open,
 * 1,000 of 3,000 paid); EUR case E (a B2B case opened before its invoice's due date, paid two days after the "upcoming" reminder and
 * a day before the due date: collected on time, never failed). Outside it: EUR case
 * D, opened in January and escalated, still open. Plus invoices outside any case.
 */
async function seedBusiness(db: Db): Promise<void> {
  await ensureShippedPolicies(db, feb(1) - 60 * DAY);
  const policy = new Map((await latestPolicyVersions(db)).map((p) => [p.name, p.id]));
  const card = policy.get('card-subscription')!;
  const b2b = policy.get('b2b-invoice')!;
  const customer = (id: string, attributes: object) => ({
    id,
    external_id: id,
    name: id,
    email: null,
    phone: null,
    address: null,
    locale: 'en-US',
    time_zone: 'UTC',
    attributes: JSON.stringify(attributes),
    opted_out: '[]',
    created_at: feb(1) - 90 * DAY,
    updated_at: feb(1) - 90 * DAY,
  });
  await insertMany(db, 'customers', [
    customer('cus_1', { segment: 'smb' }),
    customer('cus_2', { plan: 'pro' }),
    customer('cus_3', { segment: 'enterprise' }),
  ]);
  await insertMany(db, 'payment_methods', [
    {
      id: 'pm_1',
      external_id: 'pm_1',
      customer_id: 'cus_1',
      token: 'tok_ok',
      type: 'card',
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2030,
      priority: 1,
      status: 'active',
      created_at: feb(1),
      updated_at: feb(1),
    },
  ]);
  const kase = (
    id: string,
    customerId: string,
    currency: string,
    policyId: string,
    state: CaseState,
    openedAt: number,
    closedAt: number | null,
    failed: number,
    recovered: number,
    segment: string,
  ) => ({
    id,
    customer_id: customerId,
    currency,
    state,
    paused: 0,
    policy_version_id: policyId,
    anchor_at: openedAt,
    opened_at: openedAt,
    closed_at: closedAt,
    next_due_at: null,
    lease_owner: null,
    lease_expires_at: null,
    amount_failed: failed,
    amount_recovered: recovered,
    escalated_at: null,
    segment,
  });
  await insertMany(db, 'cases', [
    kase('case_a', 'cus_1', 'USD', card, 'recovered', feb(3, 10), feb(7, 10), 10_000, 10_000, 'smb'),
    kase('case_b', 'cus_2', 'USD', card, 'recovered', feb(10, 8), feb(12, 8), 5_000, 5_000, 'none'),
    kase('case_c', 'cus_1', 'USD', card, 'open', feb(20, 10), null, 3_000, 1_000, 'smb'),
    kase('case_d', 'cus_3', 'EUR', b2b, 'open', Date.UTC(2026, 0, 15, 9), null, 100_000, 0, 'enterprise'),
    kase('case_e', 'cus_3', 'EUR', b2b, 'recovered', feb(25, 9), feb(27, 9), 50_000, 50_000, 'enterprise'),
  ]);
  const invoice = (
    id: string,
    customerId: string,
    currency: string,
    total: number,
    paid: number,
    status: InvoiceStatus,
    dueAt: number,
    createdAt: number,
    caseId: string | null,
    failureCode: string | null = null,
  ) => ({
    id,
    external_id: id,
    customer_id: customerId,
    number: id,
    currency,
    total,
    amount_paid: paid,
    due_at: dueAt,
    status,
    collection: failureCode ? 'charge_automatically' : 'send_invoice',
    failed_at: failureCode ? dueAt : null,
    failure_code: failureCode,
    case_id: caseId,
    created_at: createdAt,
    updated_at: createdAt,
  });
  await insertMany(db, 'invoices', [
    invoice(
      'inv_a',
      'cus_1',
      'USD',
      10_000,
      10_000,
      'paid',
      feb(3, 10),
      feb(3, 9),
      'case_a',
      'insufficient_funds',
    ),
    invoice('inv_b', 'cus_2', 'USD', 5_000, 5_000, 'paid', feb(10, 8), feb(10, 7), 'case_b', 'expired_card'),
    invoice('inv_c', 'cus_1', 'USD', 3_000, 1_000, 'open', feb(20, 10), feb(20, 9), 'case_c', 'stolen_card'),
    invoice(
      'inv_d',
      'cus_3',
      'EUR',
      100_000,
      0,
      'open',
      Date.UTC(2026, 0, 18, 9),
      Date.UTC(2025, 11, 19),
      'case_d',
    ),
    invoice('inv_e', 'cus_3', 'EUR', 50_000, 50_000, 'paid', feb(28, 9), Date.UTC(2026, 0, 29), 'case_e'),
    // Outside any case: a paid USD invoice of the period, a USD invoice 120 days overdue, a EUR one not yet due.
    invoice('inv_p', 'cus_2', 'USD', 20_000, 20_000, 'paid', feb(15), feb(15), null),
    invoice('inv_old', 'cus_2', 'USD', 999, 0, 'open', NOW - 120 * DAY, NOW - 150 * DAY, null),
    invoice('inv_next', 'cus_3', 'EUR', 7_000, 0, 'open', Date.UTC(2026, 2, 10), feb(8), null),
  ]);
  const payment = (
    id: string,
    invoiceId: string,
    caseId: string | null,
    amount: number,
    currency: string,
    at: number,
  ) => ({
    id,
    invoice_id: invoiceId,
    case_id: caseId,
    amount,
    currency,
    source: 'api',
    reference: id,
    received_at: at,
  });
  await insertMany(db, 'payments', [
    payment('pay_a', 'inv_a', 'case_a', 10_000, 'USD', feb(7, 10)),
    payment('pay_b', 'inv_b', 'case_b', 5_000, 'USD', feb(12, 8)),
    payment('pay_c', 'inv_c', 'case_c', 1_000, 'USD', feb(22, 10)),
    payment('pay_e', 'inv_e', 'case_e', 50_000, 'EUR', feb(27, 9)),
    payment('pay_p', 'inv_p', null, 20_000, 'USD', feb(15, 1)),
  ]);
  const attempt = (
    id: string,
    caseId: string,
    stepId: string,
    status: 'succeeded' | 'failed',
    at: number,
  ) => ({
    id,
    case_id: caseId,
    step_id: stepId,
    payment_method_id: 'pm_1',
    amount: 1,
    currency: 'USD',
    idempotency_key: id,
    status,
    charge_id: null,
    decline_code: null,
    decline_class: null,
    network_decline_code: null,
    network_advice_code: null,
    stop_method: 0,
    retry_after_ms: null,
    created_at: at,
    completed_at: at + 1_000,
  });
  await insertMany(db, 'payment_attempts', [
    attempt('att_a1', 'case_a', 'retry-1', 'failed', feb(4, 10)),
    attempt('att_a2', 'case_a', 'retry-2', 'succeeded', feb(7, 10)),
    attempt('att_b1', 'case_b', 'retry-1', 'failed', feb(11, 8)),
    attempt('att_c1', 'case_c', 'retry-1', 'failed', feb(21, 10)),
  ]);
  const message = (
    id: string,
    caseId: string,
    customerId: string,
    stepId: string,
    template: string,
    status: 'sent' | 'failed',
    at: number,
    tracked: { opened?: number; clicked?: number } = {},
  ) => ({
    id,
    case_id: caseId,
    step_id: stepId,
    customer_id: customerId,
    channel: 'email',
    template,
    locale: 'en-US',
    recipient: 'enc:v1:test' as Sealed,
    subject: 's',
    body_text: 'b',
    body_html: null,
    status,
    idempotency_key: id,
    provider_id: null,
    error: null,
    created_at: at,
    sent_at: status === 'sent' ? at : null,
    opened_at: tracked.opened ?? null,
    clicked_at: tracked.clicked ?? null,
  });
  await insertMany(db, 'messages', [
    // A's reminder came 95 hours before its payment: not a response. B's 44 hours, C's 48: responses. E's 48, but
    // E's payment was on time: not a response either.
    // A's reminder was opened and its pay link clicked; B's only opened; C's and E's never opened; D's opened.
    message('msg_a', 'case_a', 'cus_1', 'remind-day-0', 'payment-failed', 'sent', feb(3, 11), {
      opened: feb(3, 12),
      clicked: feb(3, 12),
    }),
    message('msg_b', 'case_b', 'cus_2', 'remind-day-0', 'payment-failed', 'sent', feb(10, 12), {
      opened: feb(11, 8),
    }),
    message('msg_c0', 'case_c', 'cus_1', 'remind-day-0', 'payment-failed', 'sent', feb(20, 10)),
    message('msg_c3', 'case_c', 'cus_1', 'remind-day-3', 'payment-retry-reminder', 'failed', feb(23, 10)),
    message('msg_d', 'case_d', 'cus_3', 'due-today', 'invoice-due', 'sent', Date.UTC(2026, 0, 18, 9), {
      opened: feb(2),
    }),
    message('msg_e', 'case_e', 'cus_3', 'upcoming', 'invoice-upcoming', 'sent', feb(25, 9)),
  ]);
  const sent = (caseId: string, stepId: string, at: number) => ({
    case_id: caseId,
    at,
    type: 'message.sent',
    policy_version_id: null,
    step_id: stepId,
    rule: null,
    data: '{}',
  });
  // What the payments' transactions stamp on the messages they answer, for rows loaded directly.
  await stampPaidMessages(db, 'all');
  await insertMany(db, 'timeline_events', [
    sent('case_a', 'remind-day-0', feb(3, 11)),
    sent('case_b', 'remind-day-0', feb(10, 12)),
    sent('case_c', 'remind-day-0', feb(20, 10)),
    sent('case_d', 'due-today', Date.UTC(2026, 0, 18, 9)),
    sent('case_e', 'upcoming', feb(25, 9)),
  ]);
}

let database: Database;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ database, cleanup } = await freshDatabase());
  await seedBusiness(database.db);
});
afterAll(async () => cleanup());

describe('the overview', () => {
  it('gives every figure per currency, as worked out by hand', async () => {
    const rows = await overview(database.db, FEBRUARY, NOW);
    expect(rows).toEqual([
      {
        currency: 'EUR',
        // E was paid before its due date: nothing failed, nothing was recovered.
        failedAmount: 0,
        recoveredAmount: 0,
        recoveryRate: null,
        collectedOnTimeAmount: 50_000,
        failedCases: 0,
        recoveredCases: 0,
        casesOpened: 1,
        activeCases: 1,
        openOverdueAmount: 100_000,
        // D's invoice, and one outside any case not yet due; the forecast weighs D's alone.
        openAmount: 107_000,
        openInCasesAmount: 100_000,
        medianDaysToRecover: null,
        // 107,000 open ÷ 7,000 invoiced in February × 28 days.
        dsoDays: (107_000 / 7_000) * 28,
        aging: { current: 7_000, days1To30: 0, days31To60: 100_000, days61To90: 0, days90Plus: 0 },
      },
      {
        currency: 'USD',
        failedAmount: 18_000,
        recoveredAmount: 16_000,
        recoveryRate: 16_000 / 18_000,
        collectedOnTimeAmount: 0,
        failedCases: 3,
        recoveredCases: 2,
        casesOpened: 3,
        activeCases: 1,
        openOverdueAmount: 2_999,
        openAmount: 2_999,
        openInCasesAmount: 2_000,
        // A took 4 days, B 2.
        medianDaysToRecover: 3,
        // 2,999 open ÷ 38,000 invoiced in February × 28 days.
        dsoDays: (2_999 / 38_000) * 28,
        aging: { current: 0, days1To30: 2_000, days31To60: 0, days61To90: 0, days90Plus: 999 },
      },
    ]);
  });

  it('counts only the cases opened in the period, but cases and receivables open now whatever the period', async () => {
    const early = await overview(database.db, { from: feb(1), to: feb(4) }, NOW);
    const usd = early.find((r) => r.currency === 'USD')!;
    expect(usd).toMatchObject({
      casesOpened: 1,
      failedAmount: 10_000,
      activeCases: 1,
      openOverdueAmount: 2_999,
    });
    expect(usd.medianDaysToRecover).toBe(4);
    // Nothing EUR was opened or invoiced in those days: no rate, no DSO, but its open case and balance show.
    expect(early.find((r) => r.currency === 'EUR')).toMatchObject({
      casesOpened: 0,
      recoveryRate: null,
      medianDaysToRecover: null,
      dsoDays: null,
      activeCases: 1,
      openOverdueAmount: 100_000,
    });
  });
});

describe('the daily series', () => {
  it('has every day of the period, failed amounts on opening days and payments on cases on the days they came in', async () => {
    const days = await dailyAmounts(database.db, FEBRUARY, NOW);
    // February's 28 days, each in both currencies; E's payment came in before its due date: on time.
    expect(days).toHaveLength(56);
    expect(days.filter((d) => d.failedAmount + d.recoveredAmount + d.collectedOnTimeAmount > 0)).toEqual([
      {
        date: '2026-02-03',
        currency: 'USD',
        failedAmount: 10_000,
        recoveredAmount: 0,
        collectedOnTimeAmount: 0,
      },
      {
        date: '2026-02-07',
        currency: 'USD',
        failedAmount: 0,
        recoveredAmount: 10_000,
        collectedOnTimeAmount: 0,
      },
      {
        date: '2026-02-10',
        currency: 'USD',
        failedAmount: 5_000,
        recoveredAmount: 0,
        collectedOnTimeAmount: 0,
      },
      {
        date: '2026-02-12',
        currency: 'USD',
        failedAmount: 0,
        recoveredAmount: 5_000,
        collectedOnTimeAmount: 0,
      },
      {
        date: '2026-02-20',
        currency: 'USD',
        failedAmount: 3_000,
        recoveredAmount: 0,
        collectedOnTimeAmount: 0,
      },
      {
        date: '2026-02-22',
        currency: 'USD',
        failedAmount: 0,
        recoveredAmount: 1_000,
        collectedOnTimeAmount: 0,
      },
      {
        date: '2026-02-27',
        currency: 'EUR',
        failedAmount: 0,
        recoveredAmount: 0,
        collectedOnTimeAmount: 50_000,
      },
    ]);
  });
});

describe('the breakdown', () => {
  const row = (
    currency: string,
    key: string,
    cases: number,
    failed: number,
    recovered: number,
    rc: number,
  ) => ({
    currency,
    key,
    cases,
    failedAmount: failed,
    recoveredAmount: recovered,
    recoveredCases: rc,
    recoveryRate: recovered / failed,
  });

  it('credits the retry that collected, else the last message before the payment; open cases to their last message', async () => {
    // E, paid on time, is no failure: it is in no breakdown, and "upcoming" gets no credit for it.
    expect(await recoveryBreakdown(database.db, 'step', NOW, FEBRUARY)).toEqual([
      row('USD', 'retry-2', 1, 10_000, 10_000, 1),
      row('USD', 'remind-day-0', 2, 8_000, 6_000, 1),
    ]);
  });

  it("names the credited step's channel and template from its policy version", async () => {
    expect(await recoveryBreakdown(database.db, 'channel', NOW, FEBRUARY)).toEqual([
      row('USD', 'retry', 1, 10_000, 10_000, 1),
      row('USD', 'email', 2, 8_000, 6_000, 1),
    ]);
    expect(await recoveryBreakdown(database.db, 'template', NOW, FEBRUARY)).toEqual([
      row('USD', 'retry', 1, 10_000, 10_000, 1),
      row('USD', 'payment-failed', 2, 8_000, 6_000, 1),
    ]);
  });

  it('groups by segment and by the decline class of the opening failure', async () => {
    expect(await recoveryBreakdown(database.db, 'segment', NOW, FEBRUARY)).toEqual([
      row('USD', 'smb', 2, 13_000, 11_000, 1),
      row('USD', 'none', 1, 5_000, 5_000, 1),
    ]);
    expect(await recoveryBreakdown(database.db, 'decline_class', NOW, FEBRUARY)).toEqual([
      row('USD', 'soft', 1, 10_000, 10_000, 1),
      row('USD', 'action_required', 1, 5_000, 5_000, 1),
      row('USD', 'hard', 1, 3_000, 1_000, 0),
    ]);
  });

  it('covers every case when no period is given, as the recovery summary does', async () => {
    const all = await recoveryBreakdown(database.db, 'segment', NOW);
    // D only: E was paid on time.
    expect(all.find((r) => r.currency === 'EUR')).toMatchObject({ key: 'enterprise', cases: 1 });
    const summary = await recoverySummary(database.db, NOW);
    expect(summary.byStep).toEqual([
      { currency: 'USD', stepId: 'retry-2', cases: 1, recoveredAmount: 10_000 },
      { currency: 'USD', stepId: 'remind-day-0', cases: 1, recoveredAmount: 5_000 },
    ]);
    expect(summary.byDeclineClass.map((c) => `${c.currency} ${c.declineClass} ${c.cases}`)).toEqual([
      'EUR none 1',
      'USD soft 1',
      'USD action_required 1',
      'USD hard 1',
    ]);
  });

  it('reads the same credits from the stamps closed cases carry as from their history', async () => {
    const dimensions = ['step', 'channel', 'template'] as const;
    const fromHistory = await Promise.all(dimensions.map((d) => recoveryBreakdown(database.db, d, NOW)));
    const summaryFromHistory = await recoverySummary(database.db, NOW);
    await stampClosedCases(database.db);
    const stamps = await database.db
      .selectFrom('cases')
      .select(['id', 'credited_step', 'amount_on_time'])
      .where('state', '<>', 'open')
      .orderBy('id')
      .execute();
    // E is attributed to its last message as any case that recovered no failed money is; it earns no credit.
    expect(stamps.map((s) => ({ ...s, amount_on_time: Number(s.amount_on_time) }))).toEqual([
      { id: 'case_a', credited_step: 'retry-2', amount_on_time: 0 },
      { id: 'case_b', credited_step: 'remind-day-0', amount_on_time: 0 },
      { id: 'case_e', credited_step: 'upcoming', amount_on_time: 50_000 },
    ]);
    expect(await Promise.all(dimensions.map((d) => recoveryBreakdown(database.db, d, NOW)))).toEqual(
      fromHistory,
    );
    expect(await recoverySummary(database.db, NOW)).toEqual(summaryFromHistory);
  });
});

describe('message responses', () => {
  it('counts sent, failed, opened and clicked messages of the period and those answered by a payment within 72 hours', async () => {
    expect(await messageResponse(database.db, FEBRUARY)).toEqual([
      {
        channel: 'email',
        template: 'invoice-upcoming',
        sent: 1,
        failed: 0,
        opened: 0,
        clicked: 0,
        openRate: 0,
        clickRate: 0,
        // E's payment came in on time: it answered no dunning message.
        paidWithin72h: 0,
        paidWithin72hRate: 0,
      },
      {
        channel: 'email',
        template: 'payment-failed',
        sent: 3,
        failed: 0,
        opened: 2,
        clicked: 1,
        openRate: 2 / 3,
        clickRate: 1 / 3,
        paidWithin72h: 2,
        paidWithin72hRate: 2 / 3,
      },
      {
        channel: 'email',
        template: 'payment-retry-reminder',
        sent: 0,
        failed: 1,
        opened: 0,
        clicked: 0,
        openRate: null,
        clickRate: null,
        paidWithin72h: 0,
        paidWithin72hRate: null,
      },
    ]);
  });

  it('leaves out messages created outside the period, even when opened inside it', async () => {
    const january = await messageResponse(database.db, { from: Date.UTC(2026, 0, 1), to: feb(1) });
    expect(january).toEqual([
      {
        channel: 'email',
        template: 'invoice-due',
        sent: 1,
        failed: 0,
        opened: 1,
        clicked: 0,
        openRate: 1,
        clickRate: 0,
        paidWithin72h: 0,
        paidWithin72hRate: 0,
      },
    ]);
  });
});

describe('the forecast', () => {
  it("weighs each open case's remaining balance, per currency", async () => {
    const result = await forecast(database.db, NOW);
    expect(result.method).toMatch(/recovery curve/);
    // Five cases of history are too few for any week: nothing is forecast, but the balances are there.
    expect(result.currencies).toEqual([
      { currency: 'EUR', openAmount: 100_000, next30Days: 0, next60Days: 0, next90Days: 0 },
      { currency: 'USD', openAmount: 2_000, next30Days: 0, next60Days: 0, next90Days: 0 },
    ]);
  });
});

describe('a forecast from enough history', () => {
  let own: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ database: own, cleanup: drop } = await freshDatabase());
    await ensureShippedPolicies(own.db, NOW - 100 * DAY);
    const [policy] = await latestPolicyVersions(own.db);
    const customers = Array.from({ length: 61 }, (_, i) => ({
      id: `cus_${i}`,
      external_id: `cus_${i}`,
      name: 'c',
      email: null,
      phone: null,
      address: null,
      locale: 'en',
      time_zone: 'UTC',
      attributes: '{}',
      opted_out: '[]',
      created_at: NOW - 100 * DAY,
      updated_at: NOW - 100 * DAY,
    }));
    await insertMany(own.db, 'customers', customers);
    // 30 cases recovered three days after opening, 30 cancelled after ten; one case opened a day ago owes 1,000.
    const cases = customers.map((c, i) => {
      const open = i === 60;
      const openedAt = open ? NOW - DAY - HOUR : NOW - 50 * DAY;
      return {
        id: `case_${i}`,
        customer_id: c.id,
        currency: 'USD',
        state: open ? 'open' : i < 30 ? 'recovered' : 'cancelled',
        paused: 0,
        policy_version_id: policy!.id,
        anchor_at: openedAt,
        opened_at: openedAt,
        closed_at: open ? null : openedAt + (i < 30 ? 3 : 10) * DAY + HOUR,
        next_due_at: null,
        lease_owner: null,
        lease_expires_at: null,
        amount_failed: 1_000,
        amount_recovered: i < 30 ? 1_000 : 0,
        escalated_at: null,
      };
    });
    await insertMany(own.db, 'cases', cases);
    await insertMany(own.db, 'invoices', [
      {
        id: 'inv_open',
        external_id: 'inv_open',
        customer_id: 'cus_60',
        number: 'INV-60',
        currency: 'USD',
        total: 1_500,
        amount_paid: 500,
        due_at: NOW - DAY,
        status: 'open',
        collection: 'send_invoice',
        failed_at: null,
        failure_code: null,
        case_id: 'case_60',
        created_at: NOW - 30 * DAY,
        updated_at: NOW - 30 * DAY,
      },
    ]);
  });
  afterAll(async () => drop());

  it('expects half of it: half the cases that reach day three are recovered that day', async () => {
    const result = await forecast(own.db, NOW);
    expect(result.currencies).toEqual([
      { currency: 'USD', openAmount: 1_000, next30Days: 500, next60Days: 500, next90Days: 500 },
    ]);
  });
});
