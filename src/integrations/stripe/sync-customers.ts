import type Stripe from 'stripe';
import { mapLimit } from '../../engine/map-limit.ts';
import { idOf } from '../../gateways/stripe/stripe-ids.ts';
import { planCustomers } from '../../import/plan-customers.ts';
import { openCustomer } from '../../store/customer-contacts.ts';
import { type Trx, writeTransaction } from '../../store/database.ts';
import { type SyncContext, writeRows } from './sync-context.ts';
import { type SyncCursor, advanceCursor } from './sync-cursors.ts';
import { listCards, writeCards } from './sync-methods.ts';
import { customerRows } from './to-rows.ts';

/**
 * Walks Stripe's customers a page at a time from the stored cursor: every customer with their cards (`customers`,
 * a full sync), or only those created since `createdSince` (`customers_new`), listing the cards of the ones Recoup
 * does not know yet. Each page is written with the advanced cursor in one transaction, so an interruption loses at
 * most the page in flight.
 */
export async function syncCustomers(
  ctx: SyncContext,
  cursor: SyncCursor,
  createdSince: number | null,
): Promise<void> {
  const resource = cursor.resource;
  let after = cursor.cursor;
  // Raised only when the pass ends: a resumed `customers_new` pass must go on listing from the mark it began with.
  let newest = 0;
  for (;;) {
    const page = await ctx.stripe.customers.list({
      limit: ctx.pageSize,
      ...(after ? { starting_after: after } : {}),
      ...(createdSince === null ? {} : { created: { gte: createdSince } }),
    });
    const ids = page.data.map((c) => c.id);
    const known =
      resource === 'customers' || ids.length === 0
        ? new Set<string>()
        : new Set(
            (
              await ctx.database.db
                .selectFrom('customers')
                .select('external_id')
                .where('external_id', 'in', ids)
                .execute()
            ).map((r) => r.external_id),
          );
    const carded = page.data.filter((c) => !known.has(c.id));
    // Read before the transaction opens: a transaction is never held across a call to Stripe.
    const cards = await mapLimit(carded, ctx.concurrency, (c) => listCards(ctx, c.id));
    const last = page.data.at(-1)?.id ?? after;
    await writeTransaction(ctx.database, async (trx) => {
      await writeCustomers(ctx, trx, page.data, carded, cards);
      newest = page.data.reduce((max, c) => Math.max(max, c.created), newest);
      const done = !page.has_more;
      await advanceCursor(trx, resource, last, done, ctx.now, done && newest > 0 ? newest : null);
    });
    ctx.progress(resource, page.data.length);
    if (!page.has_more || last === null) return;
    after = last;
  }
}

/** Customers fetched from Stripe with their cards, ready to write. */
export interface FetchedCustomers {
  readonly customers: Stripe.Customer[];
  readonly cards: Stripe.PaymentMethod[][];
}

/** Stripe's customers Recoup does not hold (an invoice named them), looked up one by one, with their cards. */
export async function fetchCustomers(ctx: SyncContext, ids: readonly string[]): Promise<FetchedCustomers> {
  const found = await mapLimit(ids, ctx.concurrency, async (id): Promise<Stripe.Customer | null> => {
    const customer = await ctx.stripe.customers.retrieve(id);
    return customer.deleted ? null : customer;
  });
  const customers = found.filter((c) => c !== null);
  const cards = await mapLimit(customers, ctx.concurrency, (c) => listCards(ctx, c.id));
  return { customers, cards };
}

/** Writes customers, and the cards of `carded` (listed in `cards`, in the same order), in the caller's transaction. */
export async function writeCustomers(
  ctx: SyncContext,
  trx: Trx,
  customers: readonly Stripe.Customer[],
  carded: readonly Stripe.Customer[],
  cards: readonly Stripe.PaymentMethod[][],
): Promise<void> {
  const ids = customers.map((c) => c.id);
  const stored =
    ids.length === 0
      ? []
      : await trx.selectFrom('customers').selectAll().where('external_id', 'in', ids).execute();
  const opened = new Map(stored.map((row) => [row.external_id!, openCustomer(ctx.cipher, row)]));
  const rows = customerRows(customers, opened, ctx.timeZones);
  await writeRows(ctx, trx, planCustomers, rows, ctx.report.customers);
  for (const origin of rows.zones) ctx.report.timeZones[origin]++;
  await writeCards(
    ctx,
    trx,
    carded.map((c, i) => ({
      customer: c.id,
      preferred: idOf(c.invoice_settings?.default_payment_method),
      cards: cards[i]!,
    })),
  );
}
