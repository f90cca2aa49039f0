import { planInvoices } from '../../import/plan-invoices.ts';
import { type Trx, writeTransaction } from '../../store/database.ts';
import type { InvoiceRow } from '../../store/tables.ts';
import { type SyncContext, writeRows } from './sync-context.ts';
import { type SyncCursor, advanceCursor } from './sync-cursors.ts';
import { invoiceRows } from './to-rows.ts';

/**
 * Walks Stripe's open invoices a page at a time from the stored cursor, writing each page, the invoices it saw
 * (for the closed-invoice check that follows) and the advanced cursor in one transaction.
 */
export async function syncOpenInvoices(ctx: SyncContext, cursor: SyncCursor): Promise<void> {
  let after = cursor.cursor;
  for (;;) {
    const page = await ctx.stripe.invoices.list({
      status: 'open',
      limit: ctx.pageSize,
      ...(after ? { starting_after: after } : {}),
    });
    const last = page.data.at(-1)?.id ?? after;
    await writeTransaction(ctx.database, async (trx) => {
      const ids = page.data.map((i) => i.id);
      const stored = await storedInvoices(trx, ids);
      ctx.report.invoices.paymentsRecorded += await writeRows(
        ctx,
        trx,
        planInvoices,
        invoiceRows(page.data, stored, ctx.now),
        ctx.report.invoices,
      );
      for (const id of ids) {
        await trx
          .insertInto('stripe_sync_seen')
          .values({ stripe_id: id, pass: cursor.pass })
          .onConflict((oc) => oc.column('stripe_id').doUpdateSet({ pass: cursor.pass }))
          .execute();
      }
      await advanceCursor(trx, 'invoices', last, !page.has_more, ctx.now);
    });
    ctx.progress('invoices', page.data.length);
    if (!page.has_more || last === null) return;
    after = last;
  }
}

/** Recoup's rows for the given Stripe invoice ids, by Stripe id. */
export async function storedInvoices(
  trx: Trx,
  stripeIds: readonly string[],
): Promise<Map<string, InvoiceRow>> {
  if (stripeIds.length === 0) return new Map();
  const rows = await trx.selectFrom('invoices').selectAll().where('external_id', 'in', stripeIds).execute();
  return new Map(rows.map((r) => [r.external_id!, r]));
}
