import type Stripe from 'stripe';
import { mapLimit } from '../../engine/map-limit.ts';
import { planCustomers } from '../../import/plan-customers.ts';
import { planPaymentMethods } from '../../import/plan-payment-methods.ts';
import { openCustomer } from '../../store/customer-contacts.ts';
import { writeTransaction } from '../../store/database.ts';
import { type SyncContext, writeRows } from './sync-context.ts';
import { type SyncCursor, advanceCursor } from './sync-cursors.ts';
import { concatRows, customerRows, paymentMethodRows } from './to-rows.ts';

/**
 * Walks Stripe's customers a page at a time from the stored cursor; each page is written with its customers'
 * cards and the advanced cursor in one transaction, so an interruption loses at most the page in flight.
 */
export async function syncCustomers(ctx: SyncContext, cursor: SyncCursor): Promise<void> {
  let after = cursor.cursor;
  for (;;) {
    const page = await ctx.stripe.customers.list({
      limit: ctx.pageSize,
      ...(after ? { starting_after: after } : {}),
    });
    // Read before the transaction opens: a transaction is never held across a call to Stripe.
    const cards = await mapLimit(page.data, ctx.concurrency, (c) =>
      listCards(ctx.stripe, c.id, ctx.pageSize),
    );
    const last = page.data.at(-1)?.id ?? after;
    await writeTransaction(ctx.database, async (trx) => {
      const ids = page.data.map((c) => c.id);
      const stored =
        ids.length === 0
          ? []
          : await trx.selectFrom('customers').selectAll().where('external_id', 'in', ids).execute();
      const opened = new Map(stored.map((row) => [row.external_id!, openCustomer(ctx.cipher, row)]));
      await writeRows(ctx, trx, planCustomers, customerRows(page.data, opened), ctx.report.customers);

      const storedIds = new Map(stored.map((row) => [row.external_id!, row.id]));
      const methods =
        stored.length === 0
          ? []
          : await trx
              .selectFrom('payment_methods')
              .selectAll()
              .where(
                'customer_id',
                'in',
                stored.map((row) => row.id),
              )
              .execute();
      const perCustomer = page.data.map((c, i) =>
        paymentMethodRows(
          c,
          cards[i]!,
          methods.filter((m) => m.customer_id === storedIds.get(c.id)),
        ),
      );
      await writeRows(ctx, trx, planPaymentMethods, concatRows(perCustomer), ctx.report.paymentMethods);
      await advanceCursor(trx, 'customers', last, !page.has_more, ctx.now);
    });
    ctx.progress('customers', page.data.length);
    if (!page.has_more || last === null) return;
    after = last;
  }
}

async function listCards(stripe: Stripe, customer: string, limit: number): Promise<Stripe.PaymentMethod[]> {
  const cards: Stripe.PaymentMethod[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await stripe.customers.listPaymentMethods(customer, {
      type: 'card',
      limit,
      ...(after ? { starting_after: after } : {}),
    });
    cards.push(...page.data);
    if (!page.has_more || page.data.length === 0) return cards;
    after = page.data.at(-1)!.id;
  }
}
