import type { InvoiceFields } from '../../import/kinds/invoices.ts';
import { planInvoices } from '../../import/plan-invoices.ts';
import { recordBillingAttempts } from '../billing-attempts.ts';
import type { InvoiceRow, InvoiceStatus } from '../../store/tables.ts';
import {
  APPLIED,
  type ApplyContext,
  type ApplyOutcome,
  conflictOn,
  describeEvent,
  ignored,
  inboundTimelineEvent,
  writeThroughPlanner,
} from './apply-context.ts';
import { ensureCustomer } from './apply-customer.ts';
import type { InvoiceChange } from './changes.ts';
import { orderEvent } from './object-order.ts';

/**
 * Upserts an invoice under the ordering rules (object-order.ts). Money newly reported paid is recorded, and a
 * voided or written-off invoice settles its case, through the import planner: a case that has nothing left to
 * collect closes, with every pending step cancelled, in this same transaction.
 */
export async function applyInvoice(ctx: ApplyContext, change: InvoiceChange): Promise<ApplyOutcome> {
  const key = { source: ctx.event.source, objectType: 'invoice', externalId: change.externalId } as const;
  const order = await orderEvent(ctx.trx, key, ctx.event.created);
  const current = await ctx.trx
    .selectFrom('invoices')
    .selectAll()
    .where('external_id', '=', change.externalId)
    .$if(ctx.lock, (q) => q.forUpdate())
    .executeTakeFirst();
  let customerExternalId = change.customerExternalId;
  let fields: InvoiceFields;
  if (!current) {
    fields = newInvoiceFields(ctx, change);
    if (customerExternalId === null) throw unknownInvoice(ctx, change.externalId);
    await ensureCustomer(ctx, customerExternalId, change.customerStub);
  } else {
    customerExternalId ??= await customerExternalIdOf(ctx, current);
    fields = mergedFields(current, change, order);
  }
  const { changed } = await writeThroughPlanner(
    ctx,
    planInvoices,
    { externalId: change.externalId, customerExternalId, fields },
    () => noteOnCase(ctx, current, fields),
  );
  await recordPaymentRefs(ctx, change);
  const attempts = change.billingFailure
    ? await recordBillingAttempts(ctx.trx, [change.billingFailure])
    : null;
  if (changed || (attempts?.recorded ?? 0) > 0) return APPLIED;
  if (order === 'stale')
    return ignored(`stale: a newer event about invoice ${change.externalId} was already applied`);
  if (current && isTerminal(current.status))
    return ignored(`invoice ${change.externalId} is already ${current.status}`);
  return APPLIED;
}

function isTerminal(status: InvoiceStatus): boolean {
  return status === 'paid' || status === 'void';
}

function newInvoiceFields(ctx: ApplyContext, change: InvoiceChange): InvoiceFields {
  const f = change.fields;
  if (f.currency === undefined || f.total === undefined || f.due_at === undefined)
    throw unknownInvoice(ctx, change.externalId);
  const status = f.status ?? 'open';
  const collection = f.collection ?? 'send_invoice';
  const fields: InvoiceFields = {
    number: f.number ?? change.externalId,
    currency: f.currency,
    total: f.total,
    amount_paid: f.amount_paid ?? 0,
    due_at: f.due_at,
    status,
    collection,
    failed_at: null,
    failure_code: null,
    ...(f.failed_payment_method === undefined ? {} : { failed_payment_method: f.failed_payment_method }),
  };
  return withFailure(paidInFull(fields), change.failure, null);
}

function mergedFields(current: InvoiceRow, change: InvoiceChange, order: 'current' | 'stale'): InvoiceFields {
  const { number, currency, total, amount_paid, due_at, status, collection, failed_at, failure_code } =
    current;
  const stored: InvoiceFields = {
    number,
    currency,
    total,
    amount_paid,
    due_at,
    status,
    collection,
    failed_at,
    failure_code,
  };
  if (isTerminal(stored.status)) return stored;
  const stated = change.fields;
  const paid = Math.max(stored.amount_paid, stated.amount_paid ?? 0);
  if (order === 'stale') {
    const terminal = stated.status !== undefined && isTerminal(stated.status) ? stated.status : stored.status;
    return paidInFull({ ...stored, amount_paid: paid, status: terminal });
  }
  const defined = Object.fromEntries(Object.entries(stated).filter(([, v]) => v !== undefined));
  // A written-off invoice's case is closed; reopening the invoice alone would leave it owed but never collected.
  const kept = stored.status === 'uncollectible' && stated.status === 'open' ? { status: stored.status } : {};
  const fields = paidInFull({ ...stored, ...defined, amount_paid: paid, ...kept });
  return withFailure(fields, change.failure, stored);
}

// A billing system that says paid means paid in full, as an imported file's status column does.
function paidInFull(fields: InvoiceFields): InvoiceFields {
  return fields.status === 'paid' ? { ...fields, amount_paid: fields.total } : fields;
}

// The first failure anchors a card case's schedule; a later one only refreshes the decline code.
function withFailure(
  fields: InvoiceFields,
  failure: InvoiceChange['failure'],
  stored: InvoiceFields | null,
): InvoiceFields {
  if (!failure || fields.status !== 'open' || fields.collection !== 'charge_automatically') return fields;
  return {
    ...fields,
    failed_at: stored?.failed_at ?? failure.at,
    failure_code: failure.code ?? stored?.failure_code ?? null,
  };
}

function unknownInvoice(ctx: ApplyContext, externalId: string) {
  return conflictOn(
    ctx,
    'invoice_external_id',
    `no invoice with external_id '${externalId}'; send the invoice itself first`,
  );
}

async function customerExternalIdOf(ctx: ApplyContext, invoice: InvoiceRow): Promise<string> {
  const customer = await ctx.trx
    .selectFrom('customers')
    .select('external_id')
    .where('id', '=', invoice.customer_id)
    .executeTakeFirstOrThrow();
  // The import planner matches customers by external_id; one created without it cannot be matched.
  if (customer.external_id === null)
    throw conflictOn(
      ctx,
      'invoice_external_id',
      "this invoice's customer has no external_id; send the customer with one first",
    );
  return customer.external_id;
}

// Written before the change so the case's timeline reads cause first: this event, then the payment or closing.
async function noteOnCase(ctx: ApplyContext, current: InvoiceRow | undefined, fields: InvoiceFields) {
  if (!current?.case_id) return;
  const c = await ctx.trx
    .selectFrom('cases')
    .select(['id', 'policy_version_id'])
    .where('id', '=', current.case_id)
    .executeTakeFirstOrThrow();
  await ctx.trx
    .insertInto('timeline_events')
    .values(
      inboundTimelineEvent(
        ctx,
        c,
        'inbound.event',
        `${describeEvent(ctx)} updated invoice ${current.number}`,
        {
          invoice: current.id,
          status: fields.status,
          amount_paid: fields.amount_paid,
        },
      ),
    )
    .execute();
}

async function recordPaymentRefs(ctx: ApplyContext, change: InvoiceChange): Promise<void> {
  const refs = [...new Set(change.paymentRefs ?? [])];
  if (refs.length === 0) return;
  const invoice = await ctx.trx
    .selectFrom('invoices')
    .select('id')
    .where('external_id', '=', change.externalId)
    .executeTakeFirstOrThrow();
  await ctx.trx
    .insertInto('inbound_payment_refs')
    .values(refs.map((reference) => ({ source: ctx.event.source, reference, invoice_id: invoice.id })))
    .onConflict((oc) => oc.columns(['source', 'reference']).doNothing())
    .execute();
}
