// Seeds a database for the analytics benchmark: about two years of a business with 1,000,000 invoices and about
// 200,000 dunning cases, with the payments, retries, messages and timeline events those cases would have left.
// Rows are generated in JavaScript from a seeded random stream (so every run builds the same business) and
// written with the store's batched multi-row inserts, a slice of customers at a time to keep memory flat.
import { stampPaidMessages } from '../src/analytics/message-payments.ts';
import { stampClosedCases } from '../src/analytics/recovery-credit.ts';
import { sql } from 'kysely';
import { applyOffset, parseOffset } from '../src/domain/duration.ts';
import type { PolicyStep } from '../src/domain/policy.ts';
import { ensureShippedPolicies } from '../src/policies/policy-file.ts';
import { createHash } from 'node:crypto';
import { FieldCipher } from '../src/security/field-cipher.ts';
import { Keyring } from '../src/security/keyring.ts';
import { sealRecipient } from '../src/store/message-recipients.ts';
import { type Random, createRandom } from '../src/simulate/random.ts';
import { insertMany } from '../src/store/batch.ts';
import type { Database } from '../src/store/database.ts';
import { latestPolicyVersions } from '../src/store/policies.ts';
import type {
  AttemptStatus,
  CaseState,
  CollectionMethod,
  InvoiceStatus,
  MessageStatus,
  Tables,
} from '../src/store/tables.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const HISTORY_DAYS = 730;
const MONTH = 30 * DAY;
// Rows written per transaction: customers, or invoices with everything their cases did.
const SLICE_CUSTOMERS = 5_000;
const SLICE_INVOICES = 10_000;

/** How much to seed; the defaults are the figures issue 5 names. */
export interface AnalyticsSeedOptions {
  readonly invoices?: number;
  readonly seed?: number;
}

/** What was written, and how long it took. */
export interface AnalyticsSeedReport {
  readonly customers: number;
  readonly invoices: number;
  readonly cases: number;
  readonly openCases: number;
  readonly payments: number;
  readonly attempts: number;
  readonly messages: number;
  readonly timelineEvents: number;
  readonly ms: number;
}

interface Segment {
  readonly name: string;
  readonly share: number;
  readonly collection: CollectionMethod;
  readonly amount: readonly [number, number]; // monthly invoice total range, in major units
}

// Card subscriptions (consumers, small businesses) and B2B invoices on terms (mid-market, enterprise); a few
// customers carry no segment at all, as real imports do.
const SEGMENTS: readonly Segment[] = [
  { name: 'consumer', share: 0.5, collection: 'charge_automatically', amount: [5, 60] },
  { name: 'smb', share: 0.28, collection: 'charge_automatically', amount: [30, 400] },
  { name: 'mid-market', share: 0.06, collection: 'send_invoice', amount: [800, 8_000] },
  { name: 'enterprise', share: 0.04, collection: 'send_invoice', amount: [5_000, 60_000] },
  { name: '', share: 0.12, collection: 'charge_automatically', amount: [10, 100] },
];

const CURRENCIES: readonly { code: string; share: number; minor: number }[] = [
  { code: 'USD', share: 0.46, minor: 100 },
  { code: 'EUR', share: 0.3, minor: 100 },
  { code: 'GBP', share: 0.14, minor: 100 },
  { code: 'CAD', share: 0.05, minor: 100 },
  { code: 'JPY', share: 0.05, minor: 1 },
];

// Decline codes of failed renewals, with how often each occurs and how likely a retry or a reminder recovers it.
const DECLINES: readonly { code: string; share: number; retry: number; remind: number }[] = [
  { code: 'insufficient_funds', share: 0.45, retry: 0.2, remind: 0.06 },
  { code: 'do_not_honor', share: 0.12, retry: 0.12, remind: 0.05 },
  { code: 'processing_error', share: 0.08, retry: 0.35, remind: 0.03 },
  { code: 'expired_card', share: 0.17, retry: 0.01, remind: 0.16 },
  { code: 'authentication_required', share: 0.06, retry: 0.02, remind: 0.14 },
  { code: 'stolen_card', share: 0.07, retry: 0, remind: 0.1 },
  { code: 'lost_card', share: 0.05, retry: 0, remind: 0.1 },
];
const HARD = new Set(['stolen_card', 'lost_card']);

// How likely a B2B customer pays after each reminder, by step id of the shipped b2b-invoice policy.
const B2B_PAY_AFTER: Readonly<Record<string, number>> = {
  upcoming: 0.42,
  'due-today': 0.38,
  'overdue-7': 0.3,
  'overdue-14': 0.25,
  'final-notice-30': 0.2,
};

interface PlannedStep {
  readonly id: string;
  readonly action: PolicyStep['action'];
  readonly offsetMs: number;
  readonly template: string | null;
}

interface SeedPolicy {
  readonly id: string;
  readonly steps: readonly PlannedStep[];
}

interface Batch {
  customers: object[];
  methods: object[];
  cases: object[];
  invoices: object[];
  payments: object[];
  attempts: object[];
  messages: object[];
  events: object[];
}

const emptyBatch = (): Batch => ({
  customers: [],
  methods: [],
  cases: [],
  invoices: [],
  payments: [],
  attempts: [],
  messages: [],
  events: [],
});

/** Seeds the analytics benchmark's business into a migrated, empty database, ending at `now`. */
export async function seedAnalytics(
  database: Database,
  now: number,
  options: AnalyticsSeedOptions = {},
): Promise<AnalyticsSeedReport> {
  const started = performance.now();
  const target = options.invoices ?? 1_000_000;
  const random = createRandom(options.seed ?? 20_260_302);
  await ensureShippedPolicies(database.db, now - HISTORY_DAYS * DAY);
  const policies = new Map((await latestPolicyVersions(database.db)).map((row) => [row.name, plan(row)]));
  const card = policies.get('card-subscription')!;
  const b2b = policies.get('b2b-invoice')!;

  // A bulk load, not the engine's small transactions: a page cache that holds the indexes being built, and no
  // fsync per slice (a crash mid-seed just means seeding again).
  if (database.dialect === 'sqlite') {
    await sql`pragma cache_size = -262144`.execute(database.db);
    await sql`pragma synchronous = off`.execute(database.db);
  }
  const counts = { customers: 0, invoices: 0, cases: 0, openCases: 0, payments: 0, attempts: 0, messages: 0 };
  let events = 0;
  // One slice is written while the next is generated; slices are written one after the other, so a case is
  // committed before a later invoice joins it (foreign keys).
  let writing: Promise<void> = Promise.resolve();
  const types = await columnTypes(database);
  const flush = async (batch: Batch) => {
    counts.payments += batch.payments.length;
    counts.attempts += batch.attempts.length;
    counts.messages += batch.messages.length;
    events += batch.events.length;
    await writing;
    writing = writeBatch(database, batch, types);
  };

  // Customers first, oldest first, with as many monthly invoices as they have had by now (the total is the
  // target). Then every invoice in the order it was issued, so that ids, which sort by time as the engine's do,
  // and rows arrive in the order two years of business would have written them.
  const customers: SeedCustomer[] = [];
  for (let planned = 0; planned < target; ) {
    const customer = makeCustomer(random, now);
    customer.invoices = Math.min(1 + Math.floor((now - customer.since) / MONTH), target - planned);
    planned += customer.invoices;
    customers.push(customer);
  }
  customers.sort((a, b) => a.since - b.since);
  counts.customers = customers.length;
  for (let start = 0; start < customers.length; start += SLICE_CUSTOMERS) {
    const batch = emptyBatch();
    for (const c of customers.slice(start, start + SLICE_CUSTOMERS)) {
      batch.customers.push(c.rows.customer);
      batch.methods.push(c.rows.method);
    }
    await flush(batch);
  }

  let batch = emptyBatch();
  const queue = new IssueQueue(customers);
  for (let customer = queue.pop(); customer; customer = queue.pop()) {
    const issued = customer.since + customer.issued * MONTH;
    customer.issued += 1;
    if (customer.issued < customer.invoices) queue.push(customer);
    const i = ++counts.invoices;
    const dates = { issued, due: issued + (customer.b2b ? 30 * DAY : 0) };
    const outcome = makeInvoice(batch, customer, i, dates, random, now, customer.b2b ? b2b : card);
    if (outcome.case) counts.cases += 1;
    if (outcome.open) counts.openCases += 1;
    if (i % SLICE_INVOICES === 0) {
      await flush(batch);
      batch = emptyBatch();
    }
  }
  await flush(batch);
  await writing;
  // The engine stamps each case's credit as it closes it, and each message a payment answers as it records the
  // payment; a bulk load stamps them all at the end.
  await stampClosedCases(database.db);
  await stampPaidMessages(database.db, 'all');
  if (database.dialect === 'postgres') {
    // What autovacuum would have done by now on a database that grew over two years: fresh statistics, and a
    // visibility map that lets index-only scans skip the table.
    await sql`vacuum analyze`.execute(database.db);
  } else {
    // No ANALYZE: Recoup never runs it on SQLite, so the planner sees what a production file gives it.
    await sql`pragma synchronous = normal`.execute(database.db);
    await sql`pragma cache_size = -2000`.execute(database.db);
  }
  return { ...counts, timelineEvents: events, ms: performance.now() - started };
}

function plan(row: { id: string; document: string }): SeedPolicy {
  const document = JSON.parse(row.document) as { steps: PolicyStep[] };
  return {
    id: row.id,
    steps: document.steps.map((s) => ({
      id: s.id,
      action: s.action,
      offsetMs: applyOffset(0, parseOffset(s.offset)!),
      template: s.action === 'remind' ? s.template : null,
    })),
  };
}

interface SeedCustomer {
  readonly id: string;
  readonly methodId: string;
  readonly currency: string;
  readonly minor: number;
  readonly segment: string;
  readonly b2b: boolean;
  readonly since: number;
  readonly amount: number; // minor units
  /** How many monthly invoices it has had by now, and how many of them were generated so far. */
  invoices: number;
  issued: number;
  readonly rows: { readonly customer: object; readonly method: object };
  /** The customer's latest case: a failure while it is still open joins it, as the engine does. */
  lastCase: {
    row: { id: string; amount_failed: number; amount_recovered: number };
    result: CaseResult;
  } | null;
}

function makeCustomer(random: Random, now: number): SeedCustomer {
  const segment = random.weighted(SEGMENTS, (s) => s.share);
  const currency = random.weighted(CURRENCIES, (c) => c.share);
  // Sign-ups spread over the two years, more of them recent (a growing business).
  const since = now - Math.floor(HISTORY_DAYS * DAY * Math.sqrt(random.next()));
  const id = seedId('cus', since);
  const attributes: Record<string, unknown> = { plan: random.pick(['basic', 'pro', 'team']) };
  if (segment.name !== '') attributes['segment'] = segment.name;
  const methodId = seedId('pm', since);
  const customer = {
    id,
    external_id: id,
    name: `Customer ${id.slice(-6)}`,
    email: null,
    phone: null,
    address: null,
    locale: random.pick(['en-US', 'en-GB', 'de-DE', 'fr-FR', 'ja-JP']),
    time_zone: random.pick(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo']),
    attributes: JSON.stringify(attributes),
    opted_out: '[]',
    created_at: since,
    updated_at: since,
  };
  const method = {
    id: methodId,
    external_id: methodId,
    customer_id: id,
    token: `tok_bench_${id.slice(4)}`,
    type: segment.collection === 'send_invoice' ? 'us_bank_account' : 'card',
    brand: segment.collection === 'send_invoice' ? null : random.pick(['visa', 'mastercard', 'amex']),
    last4: String(random.int(1000, 9999)),
    exp_month: random.int(1, 12),
    exp_year: random.int(2025, 2031),
    priority: 1,
    status: 'active',
    created_at: since,
    updated_at: since,
  };
  const [low, high] = segment.amount;
  return {
    id,
    methodId,
    currency: currency.code,
    minor: currency.minor,
    segment: segment.name === '' ? 'none' : segment.name,
    b2b: segment.collection === 'send_invoice',
    since,
    amount: Math.round(random.int(low, high) * (currency.code === 'JPY' ? 150 : 1) * currency.minor),
    invoices: 0,
    issued: 0,
    rows: { customer, method },
    lastCase: null,
  };
}

/** Customers by the issue time of their next invoice: a binary min-heap. */
class IssueQueue {
  private readonly heap: SeedCustomer[] = [];
  constructor(customers: readonly SeedCustomer[]) {
    for (const c of customers) if (c.invoices > 0) this.push(c);
  }

  private static at(c: SeedCustomer): number {
    return c.since + c.issued * MONTH;
  }

  push(c: SeedCustomer): void {
    const h = this.heap;
    h.push(c);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (IssueQueue.at(h[parent]!) <= IssueQueue.at(h[i]!)) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  pop(): SeedCustomer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && IssueQueue.at(h[l]!) < IssueQueue.at(h[m]!)) m = l;
        if (r < h.length && IssueQueue.at(h[r]!) < IssueQueue.at(h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

function makeInvoice(
  batch: Batch,
  customer: SeedCustomer,
  i: number,
  dates: { issued: number; due: number },
  random: Random,
  now: number,
  policy: SeedPolicy,
): { case: boolean; open: boolean } {
  const id = seedId('inv', dates.issued);
  const total = customer.b2b
    ? customer.amount
    : Math.max(customer.minor, customer.amount + random.int(-2, 2));
  const invoice = {
    id,
    external_id: id,
    customer_id: customer.id,
    number: `INV-${pad(i)}`,
    currency: customer.currency,
    total,
    amount_paid: 0,
    due_at: dates.due,
    status: 'open' as InvoiceStatus,
    collection: (customer.b2b ? 'send_invoice' : 'charge_automatically') as CollectionMethod,
    failed_at: null as number | null,
    failure_code: null as string | null,
    case_id: null as string | null,
    created_at: dates.issued,
    updated_at: dates.issued,
  };
  batch.invoices.push(invoice);
  // B2B invoices not paid three days before they are due open a case (the policy's first reminder); about one
  // card renewal in eight fails and opens one.
  const opensAt = customer.b2b ? dates.due - 3 * DAY : dates.due;
  const dunned = customer.b2b ? random.chance(0.86) : random.chance(0.16);
  if (!dunned || opensAt > now) {
    const paidAt = customer.b2b
      ? dates.issued + random.int(1, 26) * DAY
      : dates.due + random.int(1, 300) * 1000;
    if (paidAt <= now && (customer.b2b || dates.due <= now)) {
      settle(invoice, paidAt);
      payment(batch, invoice, null, paidAt, 'import');
    }
    return { case: false, open: false };
  }
  if (!customer.b2b) {
    invoice.failed_at = dates.due;
    invoice.failure_code = random.weighted(DECLINES, (d) => d.share).code;
  }
  const last = customer.lastCase;
  if (last && (last.result.closedAt === null || last.result.closedAt > opensAt)) {
    joinCase(batch, invoice, last, opensAt);
    return { case: false, open: false };
  }
  const caseId = seedId('case', opensAt);
  invoice.case_id = caseId;
  const result = runCase(batch, customer, invoice, caseId, opensAt, policy, random, now);
  const row = {
    id: caseId,
    customer_id: customer.id,
    currency: customer.currency,
    state: result.state,
    paused: 0,
    policy_version_id: policy.id,
    anchor_at: dates.due,
    opened_at: opensAt,
    closed_at: result.closedAt,
    next_due_at: result.state === 'open' ? result.nextDueAt : null,
    lease_owner: null,
    lease_expires_at: null,
    amount_failed: total,
    amount_recovered: result.state === 'recovered' ? total : 0,
    escalated_at: result.escalatedAt,
    segment: customer.segment,
  };
  batch.cases.push(row);
  customer.lastCase = { row, result };
  return { case: true, open: result.state === 'open' };
}

interface CaseResult {
  state: CaseState;
  closedAt: number | null;
  nextDueAt: number | null;
  escalatedAt: number | null;
}

/**
 * Walks the case through its policy's steps in time order until a payment, the policy's end or `now`, writing the
 * attempts, messages and timeline events each step leaves, and the payment and invoice changes at the end.
 */
function runCase(
  batch: Batch,
  customer: SeedCustomer,
  invoice: { id: string; total: number; failure_code: string | null; status: InvoiceStatus } & object,
  caseId: string,
  openedAt: number,
  policy: SeedPolicy,
  random: Random,
  now: number,
): CaseResult {
  const anchor = customer.b2b ? openedAt + 3 * DAY : openedAt;
  const decline = DECLINES.find((d) => d.code === invoice.failure_code);
  const event = (at: number, type: string, stepId: string | null, rule: string, data: object = {}) =>
    batch.events.push({
      case_id: caseId,
      at,
      type,
      policy_version_id: policy.id,
      step_id: stepId,
      rule,
      data: JSON.stringify(data),
    });
  event(openedAt, 'case.opened', null, `policy ${policy.id}`, { invoice: invoice.id, amount: invoice.total });
  const recover = (at: number, source: 'retry' | 'api', rule: string): CaseResult => {
    if (at > now) return { state: 'open', closedAt: null, nextDueAt: at, escalatedAt: null };
    settle(invoice as never, at);
    payment(batch, invoice as never, caseId, at, source);
    event(at, 'case.recovered', null, rule, { amount: invoice.total });
    return { state: 'recovered', closedAt: at, nextDueAt: null, escalatedAt: null };
  };
  // A few customers pay on their own before the first reminder goes out.
  if (random.chance(0.025)) {
    const at = openedAt + random.int(5, 50) * 60_000;
    if (at <= now) return recover(at, 'api', 'paid before any contact');
  }
  let escalatedAt: number | null = null;
  for (const [k, step] of policy.steps.entries()) {
    const at = anchor + step.offsetMs + (step.action === 'remind' ? random.int(0, 4) * HOUR : 0);
    if (at > now) return { state: 'open', closedAt: null, nextDueAt: at, escalatedAt };
    const next = policy.steps[k + 1];
    const gap = next ? anchor + next.offsetMs - at : 10 * DAY;
    if (step.action === 'retry') {
      if (decline && HARD.has(decline.code)) continue; // never retried: the engine skips hard declines
      const succeeded = random.chance(decline?.retry ?? 0.1);
      attempt(batch, customer, invoice as never, caseId, step.id, at, succeeded ? 'succeeded' : 'failed');
      event(at, succeeded ? 'attempt.succeeded' : 'attempt.failed', step.id, `policy step ${step.id}`);
      if (succeeded) return recover(at, 'retry', 'the amount due was paid by a retry');
    } else if (step.action === 'remind') {
      const status = message(batch, customer, caseId, step, at, random);
      const type =
        status === 'sent' ? 'message.sent' : status === 'failed' ? 'message.failed' : 'message.unknown';
      event(at, type, step.id, `policy step ${step.id}`, {
        channel: 'email',
        template: step.template,
      });
      const pays = customer.b2b ? (B2B_PAY_AFTER[step.id] ?? 0.1) : (decline?.remind ?? 0.05);
      if (status === 'sent' && random.chance(pays)) {
        // Most who react do so within a day or two, before the next step.
        const delay = Math.min(gap - 60_000, Math.floor(-Math.log(1 - random.next()) * 20 * HOUR));
        return recover(at + Math.max(60_000, delay), 'api', 'the customer paid');
      }
    } else if (step.action === 'escalate') {
      escalatedAt = at;
      event(at, 'case.escalated', step.id, `policy step ${step.id}`, { queue: 'collections' });
      // Collectors recover some accounts over the following months; the rest are written off.
      const end = at + random.int(10, 150) * DAY;
      if (random.chance(0.4)) {
        const result = recover(end, 'api', 'the customer paid');
        return { ...result, escalatedAt };
      }
      if (end > now) return { state: 'open', closedAt: null, nextDueAt: null, escalatedAt };
      invoice.status = 'uncollectible';
      event(end, 'case.written_off', null, 'written off by a collector');
      return { state: 'written_off', closedAt: end, nextDueAt: null, escalatedAt };
    } else if (step.action === 'cancel') {
      // The subscription ends; most billing systems void the renewal, some keep it as a receivable.
      if (random.chance(0.6)) invoice.status = 'void';
      event(at, 'case.cancelled', step.id, `policy step ${step.id}`);
      return { state: 'cancelled', closedAt: at, nextDueAt: null, escalatedAt };
    }
  }
  return { state: 'exhausted', closedAt: anchor + 45 * DAY, nextDueAt: null, escalatedAt };
}

/** A failure while the customer's case is open joins that case and shares its fate. */
function joinCase(
  batch: Batch,
  invoice: {
    id: string;
    total: number;
    currency: string;
    status: InvoiceStatus;
    amount_paid: number;
    updated_at: number;
    case_id: string | null;
  },
  last: NonNullable<SeedCustomer['lastCase']>,
  at: number,
) {
  const { row, result } = last;
  invoice.case_id = row.id;
  row.amount_failed += invoice.total;
  batch.events.push({
    case_id: row.id,
    at,
    type: 'invoice.joined',
    policy_version_id: null,
    step_id: null,
    rule: 'one open case per customer and currency',
    data: JSON.stringify({ invoice: invoice.id, amount: invoice.total }),
  });
  if (result.state === 'recovered') {
    settle(invoice, result.closedAt!);
    payment(batch, invoice, row.id, result.closedAt!, 'api');
    row.amount_recovered += invoice.total;
  } else if (result.state === 'written_off') {
    invoice.status = 'uncollectible';
  }
}

function settle(
  invoice: { total: number; amount_paid: number; status: InvoiceStatus; updated_at: number },
  at: number,
) {
  invoice.amount_paid = invoice.total;
  invoice.status = 'paid';
  invoice.updated_at = at;
}

function payment(
  batch: Batch,
  invoice: { id: string; total: number; currency: string },
  caseId: string | null,
  at: number,
  source: 'retry' | 'import' | 'api',
) {
  batch.payments.push({
    id: seedId('pay', at),
    invoice_id: invoice.id,
    case_id: caseId,
    amount: invoice.total,
    currency: invoice.currency,
    source,
    reference: `ch_${invoice.id.slice(4)}`,
    received_at: at,
  });
}

function attempt(
  batch: Batch,
  customer: SeedCustomer,
  invoice: { id: string; total: number; currency: string; failure_code: string | null },
  caseId: string,
  stepId: string,
  at: number,
  status: AttemptStatus,
) {
  const id = seedId('att', at);
  batch.attempts.push({
    id,
    case_id: caseId,
    step_id: stepId,
    payment_method_id: customer.methodId,
    amount: invoice.total,
    currency: invoice.currency,
    idempotency_key: `${caseId}:${stepId}:${customer.methodId}`,
    status,
    charge_id: status === 'succeeded' ? `ch_${id}` : null,
    decline_code: status === 'failed' ? invoice.failure_code : null,
    decline_class: status === 'failed' ? 'soft' : null,
    network_decline_code: null,
    network_advice_code: null,
    stop_method: 0,
    retry_after_ms: null,
    created_at: at,
    completed_at: at + 1_500,
  });
}

function message(
  batch: Batch,
  customer: SeedCustomer,
  caseId: string,
  step: PlannedStep,
  at: number,
  random: Random,
): MessageStatus {
  const roll = random.next();
  const status: MessageStatus = roll < 0.975 ? 'sent' : roll < 0.993 ? 'failed' : 'unknown';
  const id = seedId('msg', at);
  // Dunning emails are opened about four times in ten, and one opener in five clicks through to pay, within two
  // days of sending.
  const opened = status === 'sent' && random.next() < 0.4 ? at + random.int(60_000, 2 * DAY) : null;
  const clicked = opened !== null && random.next() < 0.2 ? opened + random.int(5_000, 3_600_000) : null;
  batch.messages.push({
    id,
    case_id: caseId,
    step_id: step.id,
    customer_id: customer.id,
    channel: 'email',
    template: step.template,
    locale: 'en-US',
    recipient: sealRecipient(CIPHER, id, `customer-${customer.id.slice(-8)}@example.com`),
    subject: `Your payment for ${customer.currency} invoice`,
    body_text:
      'Hello,\n\nWe could not collect your latest payment. Please update your payment details or pay the ' +
      'open amount using the link below so that your service continues without interruption.\n\n' +
      `https://pay.example.com/${caseId}\n\nThank you.`,
    body_html: null,
    status,
    idempotency_key: `${caseId}:${step.id}`,
    provider_id: status === 'sent' ? `eml_${id}` : null,
    error: status === 'failed' ? 'mailbox unavailable' : null,
    created_at: at,
    sent_at: status === 'sent' ? at : null,
    opened_at: opened,
    clicked_at: clicked,
  });
  return status;
}

/** Writes one slice, parents before children (foreign keys), in one transaction: one commit to wait for. */
async function writeBatch(database: Database, batch: Batch, types: ColumnTypes): Promise<void> {
  const write = async (db: Database['db']) => {
    const insert = (table: keyof Tables, rows: object[]) =>
      database.dialect === 'postgres' ? insertArrays(db, table, rows, types) : insertMany(db, table, rows);
    await insert('customers', batch.customers);
    await insert('payment_methods', batch.methods);
    await insert('cases', batch.cases);
    await insert('invoices', batch.invoices);
    await insert('payments', batch.payments);
    await insert('payment_attempts', batch.attempts);
    await insert('messages', batch.messages);
    await insert('timeline_events', batch.events);
  };
  await database.db.transaction().execute(write);
}

type ColumnTypes = ReadonlyMap<string, string>;

/** PostgreSQL's type of every column of the tables seeded, by `table.column`. */
async function columnTypes(database: Database): Promise<ColumnTypes> {
  if (database.dialect !== 'postgres') return new Map();
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select table_name, column_name, data_type from information_schema.columns
    where table_schema = current_schema()`.execute(database.db);
  return new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
}

/**
 * PostgreSQL only: inserts rows as one array parameter per column through `unnest`, which the server reads
 * faster than the store's JSON form (measured about 1.5× on this seed); the engine's own writes are small, so
 * this is a bulk-load tool for the benchmark, not something the store needs.
 */
async function insertArrays(db: Database['db'], table: keyof Tables, rows: object[], types: ColumnTypes) {
  if (rows.length === 0) return;
  const names = Object.keys(rows[0]!);
  for (let start = 0; start < rows.length; start += 5_000) {
    const part = rows.slice(start, start + 5_000) as Record<string, unknown>[];
    const arrays = names.map((n) => {
      const type = types.get(`${table}.${n}`) ?? 'text';
      return sql`cast(${part.map((r) => r[n] ?? null)} as ${sql.raw(type === 'character varying' ? 'text' : type)}[])`;
    });
    await sql`insert into ${sql.table(table)} (${sql.join(names.map((n) => sql.ref(n)))})
      select * from unnest(${sql.join(arrays)})`.execute(db);
  }
}

/**
 * The key the seeded messages' recipients are encrypted with, as at rest in production; fixed, so that a seeded
 * database can be opened again. It protects nothing: every address is made up.
 */
export const BENCH_KEYRING = new Keyring(
  [{ id: 'analytics-bench', material: createHash('sha256').update('recoup analytics bench').digest() }],
  'analytics bench',
);
const CIPHER = new FieldCipher(BENCH_KEYRING);

let sequence = 0;
const idRandom = createRandom(36);

/**
 * An id shaped like the engine's (`newId`): prefix, creation time in base 36, a sequence and 12 random characters,
 * so rows made at about the same time sit together in the key indexes as they do in production.
 */
function seedId(prefix: string, at: number): string {
  sequence = (sequence + 1) % 46_656;
  const part = () =>
    Math.floor(idRandom.next() * 2_176_782_336)
      .toString(36)
      .padStart(6, '0');
  return `${prefix}_${at.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(3, '0')}${part()}${part()}`;
}

function pad(n: number): string {
  return String(n).padStart(8, '0');
}
