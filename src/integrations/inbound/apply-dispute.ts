import type { InvoiceRow } from '../../store/tables.ts';
import {
  APPLIED,
  type ApplyContext,
  type ApplyOutcome,
  describeEvent,
  ignored,
  inboundTimelineEvent,
} from './apply-context.ts';
import type { DisputeChange } from './changes.ts';
import { orderEvent } from './object-order.ts';

/**
 * Opens or closes a dispute. Opening pauses the open case holding the disputed invoice (the engine neither claims
 * nor acts on a paused case); closing resumes it once no other dispute on the case is still open.
 */
export async function applyDispute(ctx: ApplyContext, change: DisputeChange): Promise<ApplyOutcome> {
  const key = { source: ctx.event.source, objectType: 'dispute', externalId: change.externalId } as const;
  if ((await orderEvent(ctx.trx, key, ctx.event.created)) === 'stale')
    return ignored(`stale: a newer event about dispute ${change.externalId} was already applied`);
  const stored = await ctx.trx
    .selectFrom('inbound_disputes')
    .selectAll()
    .where('source', '=', ctx.event.source)
    .where('dispute_id', '=', change.externalId)
    .executeTakeFirst();
  const invoice = await disputedInvoice(ctx, change, stored?.invoice_id ?? null);
  if (change.opened && !invoice) return ignored(`no invoice known for dispute ${change.externalId}`);
  const row = {
    source: ctx.event.source,
    dispute_id: change.externalId,
    invoice_id: invoice?.id ?? null,
    case_id: invoice?.case_id ?? null,
    status: change.opened ? ('open' as const) : ('closed' as const),
    reason: change.reason ?? stored?.reason ?? null,
    outcome: change.outcome ?? null,
    opened_at: change.opened ? ctx.event.created : (stored?.opened_at ?? null),
    closed_at: change.opened ? null : ctx.event.created,
  };
  await ctx.trx
    .insertInto('inbound_disputes')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['source', 'dispute_id']).doUpdateSet({
        invoice_id: row.invoice_id,
        case_id: row.case_id,
        status: row.status,
        reason: row.reason,
        outcome: row.outcome,
        opened_at: row.opened_at,
        closed_at: row.closed_at,
      }),
    )
    .execute();
  if (invoice?.case_id) {
    if (change.opened) await pause(ctx, invoice.case_id, change, invoice);
    else await resume(ctx, invoice.case_id, change);
  }
  return APPLIED;
}

async function disputedInvoice(
  ctx: ApplyContext,
  change: DisputeChange,
  storedInvoiceId: string | null,
): Promise<InvoiceRow | undefined> {
  const invoices = ctx.trx.selectFrom('invoices').selectAll();
  if (change.invoiceExternalId)
    return invoices.where('external_id', '=', change.invoiceExternalId).executeTakeFirst();
  if (storedInvoiceId) return invoices.where('id', '=', storedInvoiceId).executeTakeFirst();
  const refs = change.paymentRefs ?? [];
  if (refs.length === 0) return undefined;
  return invoices
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('inbound_payment_refs')
        .select('invoice_id')
        .where('source', '=', ctx.event.source)
        .where('reference', 'in', refs),
    )
    .executeTakeFirst();
}

async function pause(ctx: ApplyContext, caseId: string, change: DisputeChange, invoice: InvoiceRow) {
  const c = await openCase(ctx, caseId);
  const why = `dispute ${change.externalId} opened on invoice ${invoice.number}${change.reason ? ` (${change.reason})` : ''}`;
  if (c && c.paused === 0) {
    await ctx.trx.updateTable('cases').set({ paused: 1 }).where('id', '=', c.id).execute();
    await note(
      ctx,
      c,
      change,
      'case.paused',
      `${why}: dunning paused until it is resolved; ${describeEvent(ctx)}`,
    );
  } else if (c) {
    await note(ctx, c, change, 'dispute.opened', `${why}: case already paused; ${describeEvent(ctx)}`);
  }
}

async function resume(ctx: ApplyContext, caseId: string, change: DisputeChange) {
  const c = await openCase(ctx, caseId);
  if (!c) return;
  const why = `dispute ${change.externalId} closed${change.outcome ? ` (${change.outcome})` : ''}`;
  // The case holds every invoice that joined it, and each may carry its own dispute.
  const stillOpen = await ctx.trx
    .selectFrom('inbound_disputes')
    .innerJoin('invoices', 'invoices.id', 'inbound_disputes.invoice_id')
    .select('inbound_disputes.dispute_id')
    .where('invoices.case_id', '=', c.id)
    .where('inbound_disputes.status', '=', 'open')
    .execute();
  if (stillOpen.length > 0) {
    const others = stillOpen.map((d) => d.dispute_id).join(', ');
    await note(
      ctx,
      c,
      change,
      'dispute.closed',
      `${why}; still paused for dispute ${others}; ${describeEvent(ctx)}`,
    );
  } else if (c.paused === 1) {
    await ctx.trx.updateTable('cases').set({ paused: 0 }).where('id', '=', c.id).execute();
    await note(
      ctx,
      c,
      change,
      'case.resumed',
      `${why}: no dispute left open, dunning resumes; ${describeEvent(ctx)}`,
    );
  }
}

async function openCase(ctx: ApplyContext, caseId: string) {
  return ctx.trx
    .selectFrom('cases')
    .select(['id', 'policy_version_id', 'paused'])
    .where('id', '=', caseId)
    .where('state', '=', 'open')
    .$if(ctx.lock, (q) => q.forUpdate())
    .executeTakeFirst();
}

async function note(
  ctx: ApplyContext,
  c: { id: string; policy_version_id: string },
  change: DisputeChange,
  type: string,
  rule: string,
): Promise<void> {
  await ctx.trx
    .insertInto('timeline_events')
    .values(inboundTimelineEvent(ctx, c, type, rule, { dispute: change.externalId }))
    .execute();
}
