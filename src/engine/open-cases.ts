import { sql } from 'kysely';
import { caseSegment } from '../analytics/segment.ts';
import { earliestOffsetMs, planCase } from '../domain/case-plan.ts';
import type { CompiledPolicy } from '../domain/policy.ts';
import { insertMany, updateMany } from '../store/batch.ts';
import { type Trx, writeTransaction } from '../store/database.ts';
import { latestPolicyVersions } from '../store/policies.ts';
import type { NewOutboxEvent } from '../store/schema/webhooks.ts';
import {
  ACTIVE_CASE_STATES,
  type CaseRow,
  type CustomerRow,
  type InvoiceRow,
  type NewTimelineEvent,
  type PolicyVersionRow,
} from '../store/tables.ts';
import type { EngineDeps } from './deps.ts';
import { outboxEvent, writeOutboxEvents } from '../webhooks/outbox.ts';
import { newId } from './ids.ts';

const BATCH = 500;

/** Which policy name each way of collecting starts on, unless the customer's `policy` attribute names another. */
export const DEFAULT_POLICY_BY_COLLECTION = {
  charge_automatically: 'card-subscription',
  send_invoice: 'b2b-invoice',
} as const;

interface ActivePolicy {
  readonly row: PolicyVersionRow;
  readonly compiled: CompiledPolicy;
  readonly leadMs: number; // how long before the anchor the policy's first step runs
}

/**
 * Opens a case for every unpaid invoice that needs one by `now`: a charge the billing system could not collect,
 * or an invoice within its policy's reach of the due date. An invoice joins its customer's open case in the same
 * currency when there is one; returns how many invoices were taken in.
 */
export async function openCases(deps: EngineDeps, now: number): Promise<number> {
  // Versions are immutable: the cache compiles each once, however often the worker loops.
  const latest = await latestPolicyVersions(deps.database.db);
  await deps.policies.load(latest.map((row) => row.id));
  const active = new Map<string, ActivePolicy>();
  for (const row of latest) {
    const compiled = deps.policies.get(row.id);
    active.set(row.name, { row, compiled, leadMs: -earliestOffsetMs(compiled) });
  }
  const maxLead = Math.max(0, ...[...active.values()].map((p) => p.leadMs));
  let taken = 0;
  let after = '';
  for (;;) {
    const candidates = await deps.database.db
      .selectFrom('invoices')
      .selectAll()
      .where('case_id', 'is', null)
      .where('status', '=', 'open')
      .where('id', '>', after)
      .where((eb) =>
        eb.or([
          eb.and([eb('collection', '=', 'charge_automatically'), eb('failed_at', '<=', now)]),
          eb.and([eb('collection', '=', 'send_invoice'), eb('due_at', '<=', now + maxLead)]),
        ]),
      )
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (candidates.length === 0) return taken;
    after = candidates[candidates.length - 1]!.id;
    taken += await openBatch(deps, candidates, active, now);
    if (candidates.length < BATCH) return taken;
  }
}

async function openBatch(
  deps: EngineDeps,
  candidates: InvoiceRow[],
  active: ReadonlyMap<string, ActivePolicy>,
  now: number,
): Promise<number> {
  const db = deps.database.db;
  const customers = new Map(
    (
      await db
        .selectFrom('customers')
        .selectAll()
        .where('id', 'in', [...new Set(candidates.map((i) => i.customer_id))])
        .execute()
    ).map((c) => [c.id, c]),
  );
  const ready = candidates.filter((invoice) => {
    const policy = policyFor(invoice, customers.get(invoice.customer_id)!, active);
    return policy && (invoice.collection === 'charge_automatically' || invoice.due_at - policy.leadMs <= now);
  });
  if (ready.length === 0) return 0;

  return writeTransaction(deps.database, async (trx) => {
    // Case opening is serialised across workers so that two never open a case for the same customer at once.
    if (deps.database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(7243001)`.execute(trx);
    const fresh = await trx
      .selectFrom('invoices')
      .select('id')
      .where(
        'id',
        'in',
        ready.map((i) => i.id),
      )
      .where('case_id', 'is', null)
      .execute();
    const stillFree = new Set(fresh.map((r) => r.id));
    const invoices = ready.filter((i) => stillFree.has(i.id));
    // Another worker may have taken them all between our read and this lock.
    if (invoices.length === 0) return 0;
    const open = await trx
      .selectFrom('cases')
      .selectAll()
      // A parked case still owes: a new invoice joins it (one active case per customer and currency).
      .where('state', 'in', ACTIVE_CASE_STATES)
      .where('customer_id', 'in', [...new Set(invoices.map((i) => i.customer_id))])
      .execute();
    const openByKey = new Map<string, CaseRow>(open.map((c) => [`${c.customer_id}|${c.currency}`, c]));
    const events: NewTimelineEvent[] = [];
    const outbox: NewOutboxEvent[] = [];
    const joined = new Map<string, { caseRow: CaseRow; added: number }>();

    for (const invoice of invoices) {
      const key = `${invoice.customer_id}|${invoice.currency}`;
      const balance = invoice.total - invoice.amount_paid;
      let existing = openByKey.get(key);
      if (!existing) {
        const policy = policyFor(invoice, customers.get(invoice.customer_id)!, active)!;
        const segment = caseSegment(customers.get(invoice.customer_id)!.attributes);
        existing = await createCase(trx, invoice, policy, segment, now, events, outbox);
        openByKey.set(key, existing);
      } else {
        const entry = joined.get(existing.id) ?? { caseRow: existing, added: 0 };
        entry.added += balance;
        joined.set(existing.id, entry);
        events.push(
          event(existing, now, 'invoice.joined', 'one open case per customer and currency', invoice),
        );
      }
      invoice.case_id = existing.id;
    }
    await updateMany(
      trx,
      'invoices',
      { keys: ['id'], set: ['case_id', 'updated_at'] },
      invoices.map((i) => ({ id: i.id, case_id: i.case_id, updated_at: now })),
    );
    for (const { caseRow, added } of joined.values()) {
      await trx
        .updateTable('cases')
        .set((eb) => ({ amount_failed: eb('amount_failed', '+', added) }))
        .where('id', '=', caseRow.id)
        .execute();
    }
    await insertMany(trx, 'timeline_events', events);
    await writeOutboxEvents(trx, outbox);
    return invoices.length;
  });
}

async function createCase(
  trx: Trx,
  invoice: InvoiceRow,
  policy: ActivePolicy,
  segment: string,
  now: number,
  events: NewTimelineEvent[],
  outbox: NewOutboxEvent[],
): Promise<CaseRow> {
  const anchor =
    policy.compiled.policy.anchor === 'first_failure'
      ? (invoice.failed_at ?? invoice.due_at)
      : invoice.due_at;
  const plan = planCase(policy.compiled, anchor, now);
  const pending = plan.filter((s) => s.status === 'pending');
  const caseRow: CaseRow = {
    id: newId('case'),
    customer_id: invoice.customer_id,
    currency: invoice.currency,
    state: 'open',
    paused: 0,
    policy_version_id: policy.row.id,
    anchor_at: anchor,
    opened_at: now,
    closed_at: null,
    next_due_at: pending.length > 0 ? Math.min(...pending.map((s) => s.dueAt)) : null,
    lease_owner: null,
    lease_expires_at: null,
    amount_failed: invoice.total - invoice.amount_paid,
    amount_recovered: 0,
    escalated_at: null,
    error_count: 0,
    last_error: null,
  };
  await trx
    .insertInto('cases')
    .values({ ...caseRow, segment })
    .execute();
  await insertMany(
    trx,
    'scheduled_steps',
    plan.map((s) => ({
      case_id: caseRow.id,
      step_id: s.stepId,
      position: s.position,
      action: s.action,
      due_at: s.dueAt,
      status: s.status,
      completed_at: s.status === 'pending' ? null : now,
    })),
  );
  const why =
    invoice.collection === 'charge_automatically'
      ? `charge failed${invoice.failure_code ? ` (${invoice.failure_code})` : ''}; policy ${policy.row.id}`
      : `invoice due ${new Date(invoice.due_at).toISOString().slice(0, 10)}; policy ${policy.row.id}`;
  events.push(event(caseRow, now, 'case.opened', why, invoice));
  outbox.push(
    outboxEvent(
      'case.opened',
      now,
      { caseId: caseRow.id, customerId: caseRow.customer_id },
      {
        currency: caseRow.currency,
        amount_due: caseRow.amount_failed,
        policy_version_id: caseRow.policy_version_id,
        invoice_id: invoice.id,
        reason: invoice.collection === 'charge_automatically' ? 'charge_failed' : 'invoice_due',
        failure_code: invoice.failure_code,
      },
    ),
  );
  for (const s of plan.filter((p) => p.status === 'skipped')) {
    events.push({ ...event(caseRow, now, 'step.skipped', s.rule, invoice), step_id: s.stepId });
  }
  return caseRow;
}

function policyFor(
  invoice: InvoiceRow,
  customer: CustomerRow,
  active: ReadonlyMap<string, ActivePolicy>,
): ActivePolicy | undefined {
  const chosen = (JSON.parse(customer.attributes) as Record<string, unknown>)['policy'];
  if (typeof chosen === 'string' && active.has(chosen)) return active.get(chosen);
  return active.get(DEFAULT_POLICY_BY_COLLECTION[invoice.collection]);
}

function event(
  c: CaseRow,
  at: number,
  type: string,
  rule: string | null,
  invoice: InvoiceRow,
): NewTimelineEvent {
  return {
    case_id: c.id,
    at,
    type,
    policy_version_id: c.policy_version_id,
    step_id: null,
    rule,
    data: JSON.stringify({
      invoice: invoice.id,
      number: invoice.number,
      amount: invoice.total - invoice.amount_paid,
    }),
  };
}
