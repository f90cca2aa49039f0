import { sql } from 'kysely';
import Stripe from 'stripe';
import { mapLimit } from '../../engine/map-limit.ts';
import { planInvoices } from '../../import/plan-invoices.ts';
import { writeTransaction } from '../../store/database.ts';
import { type SyncContext, writeRows } from './sync-context.ts';
import { type SyncCursor, advanceCursor } from './sync-cursors.ts';
import { storedInvoices } from './sync-invoices.ts';
import { invoiceRows } from './to-rows.ts';

/**
 * Looks up, one by one, every invoice Recoup holds as open that the finished pass over Stripe's open invoices did
 * not list: it was paid, voided or written off in Stripe since, and its case must close (a paid customer is
 * never reminded again). Walks Recoup's invoices by id from the stored cursor.
 */
export async function syncClosedInvoices(
  ctx: SyncContext,
  cursor: SyncCursor,
  openPass: number,
): Promise<void> {
  let after = cursor.cursor ?? '';
  for (;;) {
    const candidates = await ctx.database.db
      .selectFrom('invoices')
      .leftJoin('stripe_sync_seen as seen', (join) =>
        join.onRef('seen.stripe_id', '=', 'invoices.external_id').on('seen.pass', '=', openPass),
      )
      .select(['invoices.id', 'invoices.external_id'])
      .where('invoices.status', '=', 'open')
      // Stripe invoice ids; `like` would read the underscore as a wildcard.
      .where(sql<string>`substr(invoices.external_id, 1, 3)`, '=', 'in_')
      .where('seen.stripe_id', 'is', null)
      .where('invoices.id', '>', after)
      .orderBy('invoices.id')
      .limit(ctx.pageSize)
      .execute();
    const fetched = await mapLimit(candidates, ctx.concurrency, async (c): Promise<Stripe.Invoice | null> => {
      try {
        return await ctx.stripe.invoices.retrieve(c.external_id!);
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) {
          ctx.report.warnings.push(`${c.external_id}: Stripe has no such invoice; left as it is`);
          return null;
        }
        throw error;
      }
    });
    const found = fetched.filter((i): i is Stripe.Invoice => i !== null);
    const done = candidates.length < ctx.pageSize;
    const last = candidates.at(-1)?.id ?? after;
    await writeTransaction(ctx.database, async (trx) => {
      const stored = await storedInvoices(
        trx,
        found.map((i) => i.id),
      );
      ctx.report.invoices.paymentsRecorded += await writeRows(
        ctx,
        trx,
        planInvoices,
        invoiceRows(found, stored, ctx.now),
        ctx.report.invoices,
      );
      if (done) await trx.deleteFrom('stripe_sync_seen').where('pass', '<', openPass).execute();
      await advanceCursor(trx, 'invoices_closed', last, done, ctx.now);
    });
    ctx.report.closedChecked += candidates.length;
    ctx.progress('invoices_closed', candidates.length);
    if (done) return;
    after = last;
  }
}
