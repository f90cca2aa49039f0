import { classifyDecline } from '../domain/declines.ts';
import { VirtualClock } from '../engine/clock.ts';
import { type ExternalPayment, recordExternalPayments } from '../engine/external-payments.ts';
import { tick } from '../engine/tick.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { insertMany, updateMany } from '../store/batch.ts';
import { sealCustomer } from '../store/customer-contacts.ts';
import { type Db, writeTransaction } from '../store/database.ts';
import type { InvoicesTable } from '../store/tables.ts';
import { type CustomerAction, ownPaymentAt, readingOf, replyTo } from './behaviour.ts';
import type { Population, SimCustomer, SimInvoice, SimRenewal } from './population.ts';
import { randomFor } from './random.ts';
import { type TrackedAction, recordTracked } from '../services/message-tracking.ts';
import { groupBy } from '../domain/group-by.ts';

const HOUR = 3_600_000;

/** How long to run and whom to tell as each simulated day ends. */
export interface SimulationOptions {
  readonly days: number;
  readonly start: number;
  readonly onDay?: (day: number, days: number) => void;
}

/** What the simulated world did around the engine (the engine's own work is in the database). */
export interface SimulationReport {
  readonly renewals: number;
  readonly failedRenewals: number;
  readonly invoicesIssued: number;
  readonly cardsAdded: number;
  readonly portalPayments: number;
  /** Reminders whose tracking pixel was loaded, and whose link was followed (each counted once). */
  readonly remindersOpened: number;
  readonly remindersClicked: number;
}

/**
 * Something a customer will do at `at`: add a working card for a case, pay a case's or one invoice, or open a
 * reminder or follow its link (recorded as the tracking routes record them).
 */
interface PendingAction {
  readonly at: number;
  readonly kind: CustomerAction | TrackedAction;
  readonly customerId: string;
  readonly caseId: string | null;
  readonly invoiceId: string | null;
  readonly messageId?: string;
}

type Tally = { -readonly [K in keyof SimulationReport]: SimulationReport[K] };

/**
 * Runs a population through the real engine on a virtual clock, an hour at a time. Each hour the billing system
 * charges the renewals due and issues invoices, customers act on earlier reminders, the engine ticks, and the
 * reminders it sent decide what customers will do next. The runtime must have been opened with a VirtualClock.
 */
export async function runSimulation(
  runtime: Runtime,
  population: Population,
  options: SimulationOptions,
): Promise<SimulationReport> {
  const clock = runtime.deps.clock;
  if (!(clock instanceof VirtualClock))
    throw new TypeError('runSimulation needs a runtime with a VirtualClock');
  clock.set(options.start);
  const db = runtime.database.db;
  const hours = options.days * 24;
  const hourOf = (at: number) => Math.ceil((at - options.start) / HOUR);
  const customers = new Map(population.customers.map((c) => [c.id, c]));
  const tally: Tally = {
    renewals: 0,
    failedRenewals: 0,
    invoicesIssued: 0,
    cardsAdded: 0,
    portalPayments: 0,
    remindersOpened: 0,
    remindersClicked: 0,
  };
  const actions = new Map<number, PendingAction[]>();
  const cursor = { lastEventId: 0 };
  const schedule = (action: PendingAction) => {
    const hour = Math.max(0, hourOf(action.at));
    if (hour > hours) return;
    const list = actions.get(hour);
    if (list) list.push(action);
    else actions.set(hour, [action]);
  };

  const booked = population.invoices.filter((i) => i.issuedAt < options.start);
  await seedBusiness(runtime, population, booked, options.start, schedule);
  tally.invoicesIssued += booked.length;
  const renewals = groupBy(
    population.renewals.filter((r) => r.at >= options.start),
    (r) => hourOf(r.at),
  );
  const invoices = groupBy(
    population.invoices.filter((i) => i.issuedAt >= options.start),
    (i) => hourOf(i.issuedAt),
  );

  for (let hour = 0; hour <= hours; hour += 1) {
    const now = options.start + hour * HOUR;
    clock.set(now);
    await bill(runtime, renewals.get(hour) ?? [], now, tally);
    const issued = invoices.get(hour) ?? [];
    await insertMany(db, 'invoices', issued.map(invoiceRow));
    for (const invoice of issued) scheduleOwnPayment(population.seed, invoice, schedule);
    tally.invoicesIssued += issued.length;
    await act(runtime, actions.get(hour) ?? [], now, tally);
    actions.delete(hour);
    await tick(runtime.deps, now);
    for (const action of await repliesToReminders(db, population.seed, customers, cursor)) schedule(action);
    if (hour > 0 && hour % 24 === 0) options.onDay?.(hour / 24, options.days);
  }
  return tally;
}

/** Writes the customers, their cards and the invoices already on the books when the simulation starts. */
async function seedBusiness(
  runtime: Runtime,
  population: Population,
  booked: readonly SimInvoice[],
  start: number,
  schedule: (action: PendingAction) => void,
): Promise<void> {
  const paidBefore = new Set<string>();
  for (const invoice of booked) {
    const paidAt = scheduleOwnPayment(population.seed, invoice, schedule);
    if (paidAt !== null && paidAt < start) paidBefore.add(invoice.invoiceId);
  }
  // Encrypted before the transaction opens, which keeps the write lock short.
  const customers = population.customers.map((c) =>
    sealCustomer(runtime.deps.cipher, {
      id: c.id,
      external_id: c.id,
      name: c.name,
      email: c.email,
      phone: null,
      address: null,
      locale: c.locale,
      time_zone: c.timeZone,
      attributes: JSON.stringify({ segment: c.segment }),
      opted_out: JSON.stringify(c.optedOut),
      created_at: c.createdAt,
      updated_at: c.createdAt,
    }),
  );
  await writeTransaction(runtime.database, async (trx) => {
    await insertMany(trx, 'customers', customers);
    await insertMany(
      trx,
      'payment_methods',
      population.cards.map((card) => ({
        id: card.id,
        external_id: card.id,
        customer_id: card.customerId,
        token: card.token,
        type: 'card',
        brand: card.brand,
        last4: card.last4,
        exp_month: card.expMonth,
        exp_year: card.expYear,
        priority: card.priority,
        status: 'active',
        created_at: start,
        updated_at: start,
      })),
    );
    // An invoice its customer paid before the books were opened is history: stored as paid, never dunned.
    await insertMany(
      trx,
      'invoices',
      booked.map((i) => {
        const row = invoiceRow(i);
        return paidBefore.has(i.invoiceId) ? { ...row, amount_paid: row.total, status: 'paid' } : row;
      }),
    );
  });
}

/** Plays the billing system: charges each renewal on the customer's default card and records the invoice. */
async function bill(
  runtime: Runtime,
  renewals: readonly SimRenewal[],
  now: number,
  tally: Tally,
): Promise<void> {
  if (renewals.length === 0) return;
  const db = runtime.database.db;
  const ids = [...new Set(renewals.map((r) => r.customerId))];
  // A subscription the dunning policy cancelled renews no more.
  const cancelled = new Set(
    (
      await db
        .selectFrom('cases')
        .select('customer_id')
        .where('customer_id', 'in', ids)
        .where('state', '=', 'cancelled')
        .execute()
    ).map((r) => r.customer_id),
  );
  const live = renewals.filter((r) => !cancelled.has(r.customerId));
  await updateMany(
    db,
    'payment_methods',
    { keys: ['id'], set: ['token', 'updated_at'] },
    live.flatMap((r) => r.breaks.map((b) => ({ id: b.methodId, token: b.token, updated_at: now }))),
  );
  const methods = await db
    .selectFrom('payment_methods')
    .select(['customer_id', 'token', 'priority', 'id'])
    .where('customer_id', 'in', ids)
    .where('status', '=', 'active')
    .orderBy('priority')
    .orderBy('id')
    .execute();
  const defaultToken = new Map<string, string>();
  for (const m of methods) if (!defaultToken.has(m.customer_id)) defaultToken.set(m.customer_id, m.token);

  const rows = await Promise.all(
    live.map(async (renewal): Promise<InvoicesTable> => {
      const token = defaultToken.get(renewal.customerId);
      if (!token) throw new Error(`customer ${renewal.customerId} has a subscription but no active card`);
      const result = await runtime.deps.gateway.charge({
        idempotencyKey: `billing:${renewal.invoiceId}`,
        token,
        amount: renewal.amount,
        currency: renewal.currency,
        description: `Subscription renewal ${renewal.number}`,
      });
      const base = {
        id: renewal.invoiceId,
        external_id: renewal.invoiceId,
        customer_id: renewal.customerId,
        number: renewal.number,
        currency: renewal.currency,
        total: renewal.amount,
        due_at: now,
        collection: 'charge_automatically' as const,
        case_id: null,
        created_at: now,
        updated_at: now,
      };
      if (result.status !== 'failed') {
        return {
          ...base,
          amount_paid: renewal.amount,
          status: 'paid',
          failed_at: null,
          failure_code: null,
          failed_payment_method_id: null,
        };
      }
      return {
        ...base,
        amount_paid: 0,
        status: 'open',
        failed_at: now,
        failure_code: result.declineCode,
        failed_payment_method_id: null,
      };
    }),
  );
  await insertMany(db, 'invoices', rows);
  tally.renewals += rows.length;
  tally.failedRenewals += rows.filter((r) => r.status === 'open').length;
}

/** Carries out the customers' actions that fell due in the hour ending at `now`. */
async function act(
  runtime: Runtime,
  due: readonly PendingAction[],
  now: number,
  tally: Tally,
): Promise<void> {
  if (due.length === 0) return;
  for (const a of due) {
    if (a.kind !== 'open' && a.kind !== 'click') continue;
    const recorded = await recordTracked(runtime.database, a.messageId!, a.kind, a.at);
    if (recorded.includes('open')) tally.remindersOpened += 1;
    if (recorded.includes('click')) tally.remindersClicked += 1;
  }
  const db = runtime.database.db;
  const caseIds = [...new Set(due.map((a) => a.caseId).filter((id): id is string => id !== null))];
  const open = new Set(
    caseIds.length === 0
      ? []
      : (
          await db
            .selectFrom('cases')
            .select('id')
            .where('id', 'in', caseIds)
            .where('state', '=', 'open')
            .execute()
        ).map((r) => r.id),
  );
  // Someone who has paid meanwhile, or whose case was closed, has nothing left to do.
  const stillOwing = due.filter((a) => a.caseId === null || open.has(a.caseId));
  const cards = [...new Set(stillOwing.filter((a) => a.kind === 'add_card').map((a) => a.customerId))];
  await insertMany(
    db,
    'payment_methods',
    cards.map((customerId) => newCardRow(customerId, now)),
    { onConflictDoNothing: true },
  );
  tally.cardsAdded += cards.length;
  const payers = stillOwing.filter((a) => a.kind === 'pay').sort((a, b) => a.at - b.at);
  if (payers.length === 0) return;
  tally.portalPayments += await writeTransaction(runtime.database, async (trx) => {
    const paid = new Set<string>();
    for (const action of payers) {
      let q = trx.selectFrom('invoices').selectAll().where('status', '=', 'open');
      q = action.caseId ? q.where('case_id', '=', action.caseId) : q.where('id', '=', action.invoiceId!);
      const unpaid = (await q.execute()).filter((i) => i.amount_paid < i.total && !paid.has(i.id));
      if (unpaid.length === 0) continue;
      // The engine records the payment and settles the case; the invoice's own balance is the billing system's.
      await updateMany(
        trx,
        'invoices',
        { keys: ['id'], set: ['amount_paid', 'status', 'updated_at'] },
        unpaid.map((i) => ({ id: i.id, amount_paid: i.total, status: 'paid', updated_at: action.at })),
      );
      const payments: ExternalPayment[] = unpaid.map((invoice) => ({
        invoice,
        amount: invoice.total - invoice.amount_paid,
        source: 'api',
        reference: `portal:${invoice.id}`,
        at: action.at,
      }));
      await recordExternalPayments(trx, payments);
      for (const i of unpaid) paid.add(i.id);
    }
    return paid.size;
  });
}

/**
 * Reads the reminders the engine sent since the last call and draws which customers will open them, follow their
 * links and act on them, and when.
 * It follows the timeline's `message.sent` events by id, a primary-key range that stays cheap however many
 * messages have piled up.
 */
async function repliesToReminders(
  db: Db,
  seed: number,
  customers: ReadonlyMap<string, SimCustomer>,
  cursor: { lastEventId: number },
): Promise<PendingAction[]> {
  const sent = await db
    .selectFrom('timeline_events as e')
    .innerJoin('messages as m', (join) =>
      join.onRef('m.case_id', '=', 'e.case_id').onRef('m.step_id', '=', 'e.step_id'),
    )
    .select(['e.id', 'm.id as message_id', 'm.case_id', 'm.customer_id', 'm.template', 'm.sent_at'])
    .where('e.id', '>', cursor.lastEventId)
    .where('e.type', '=', 'message.sent')
    .orderBy('e.id')
    .execute();
  if (sent.length === 0) return [];
  cursor.lastEventId = sent[sent.length - 1]!.id;
  const failures = await db
    .selectFrom('invoices')
    .select(['case_id', 'failure_code'])
    .where(
      'case_id',
      'in',
      sent.map((m) => m.case_id),
    )
    .where('failure_code', 'is not', null)
    .orderBy('failed_at')
    .orderBy('id')
    .execute();
  const openingCode = new Map<string, string>();
  for (const f of failures) if (!openingCode.has(f.case_id!)) openingCode.set(f.case_id!, f.failure_code!);

  const replies: PendingAction[] = [];
  for (const message of sent) {
    const customer = customers.get(message.customer_id);
    if (!customer || message.sent_at === null) continue;
    const code = openingCode.get(message.case_id);
    // Drawn per customer and message, so the answer does not depend on the order rows come back in.
    const random = randomFor(seed, 'reply', message.customer_id, message.template, String(message.sent_at));
    const reply = replyTo(random, {
      segment: customer.segment,
      template: message.template,
      declineClass: code ? classifyDecline({ code }).class : null,
      sentAt: message.sent_at,
    });
    if (reply) {
      replies.push({
        at: reply.at,
        kind: reply.action,
        customerId: customer.id,
        caseId: message.case_id,
        invoiceId: null,
      });
    }
    const reading = readingOf(
      randomFor(seed, 'read', message.customer_id, message.template, String(message.sent_at)),
      message.sent_at,
      reply,
    );
    const seen = {
      customerId: customer.id,
      caseId: message.case_id,
      invoiceId: null,
      messageId: message.message_id,
    };
    if (reading.openedAt !== null) replies.push({ ...seen, at: reading.openedAt, kind: 'open' });
    if (reading.clickedAt !== null) replies.push({ ...seen, at: reading.clickedAt, kind: 'click' });
  }
  return replies;
}

function scheduleOwnPayment(
  seed: number,
  invoice: SimInvoice,
  schedule: (action: PendingAction) => void,
): number | null {
  const at = ownPaymentAt(randomFor(seed, 'own-payment', invoice.invoiceId), invoice);
  if (at !== null) {
    schedule({ at, kind: 'pay', customerId: invoice.customerId, caseId: null, invoiceId: invoice.invoiceId });
  }
  return at;
}

function invoiceRow(invoice: SimInvoice): InvoicesTable {
  return {
    id: invoice.invoiceId,
    external_id: invoice.invoiceId,
    customer_id: invoice.customerId,
    number: invoice.number,
    currency: invoice.currency,
    total: invoice.amount,
    amount_paid: 0,
    due_at: invoice.dueAt,
    status: 'open',
    collection: 'send_invoice',
    failed_at: null,
    failure_code: null,
    failed_payment_method_id: null,
    case_id: null,
    created_at: invoice.issuedAt,
    updated_at: invoice.issuedAt,
  };
}

// One replacement card per customer: it always works, so a second one would change nothing.
function newCardRow(customerId: string, now: number) {
  const id = `${customerId.replace(/^cus_/, 'pm_')}_new`;
  return {
    id,
    external_id: id,
    customer_id: customerId,
    token: 'tok_ok',
    type: 'card',
    brand: 'visa',
    last4: '4242',
    exp_month: 12,
    exp_year: new Date(now).getUTCFullYear() + 4,
    // Tried first: the customer chose it as their new default.
    priority: 0,
    status: 'active',
    created_at: now,
    updated_at: now,
  };
}
