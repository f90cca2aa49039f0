import { sql } from 'kysely';
import Stripe from 'stripe';
import { mapLimit } from '../../engine/map-limit.ts';
import { planPaymentMethods } from '../../import/plan-payment-methods.ts';
import { type Trx, writeTransaction } from '../../store/database.ts';
import { type SyncContext, writeRows } from './sync-context.ts';
import { type SyncCursor, advanceCursor } from './sync-cursors.ts';
import { concatRows, paymentMethodRows } from './to-rows.ts';

/** One customer's cards as Stripe lists them, and the card Stripe charges first (when known). */
export interface CustomerCards {
  readonly customer: string;
  readonly preferred: string | null;
  readonly cards: readonly Stripe.PaymentMethod[];
}

/** Every card of a Stripe customer, following Stripe's pagination. */
export async function listCards(ctx: SyncContext, customer: string): Promise<Stripe.PaymentMethod[]> {
  const cards: Stripe.PaymentMethod[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await ctx.stripe.customers.listPaymentMethods(customer, {
      type: 'card',
      limit: ctx.pageSize,
      ...(after ? { starting_after: after } : {}),
    });
    cards.push(...page.data);
    if (!page.has_more || page.data.length === 0) {
      ctx.cardsListed.add(customer);
      return cards;
    }
    after = page.data.at(-1)!.id;
  }
}

/** Writes customers' cards (new, changed, and disabled where Stripe no longer lists them) in the caller's transaction. */
export async function writeCards(ctx: SyncContext, trx: Trx, list: readonly CustomerCards[]): Promise<void> {
  if (list.length === 0) return;
  const stored = await trx
    .selectFrom('payment_methods')
    .innerJoin('customers', 'customers.id', 'payment_methods.customer_id')
    .selectAll('payment_methods')
    .select('customers.external_id as owner')
    .where(
      'customers.external_id',
      'in',
      list.map((l) => l.customer),
    )
    .execute();
  const rows = list.map((l) =>
    paymentMethodRows(
      l.customer,
      l.preferred,
      l.cards,
      stored.filter((m) => m.owner === l.customer),
    ),
  );
  await writeRows(ctx, trx, planPaymentMethods, concatRows(rows), ctx.report.paymentMethods);
}

/**
 * Lists anew the cards of the customers in dunning (an open case, or a failed invoice about to open one), so a card
 * a customer adds to pay is charged within one sync, and one removed is not charged. Walks Recoup's customers by id
 * from the stored cursor, a page at a time, each page written with the advanced cursor.
 */
export async function syncDunningMethods(ctx: SyncContext, cursor: SyncCursor): Promise<void> {
  let after = cursor.cursor ?? '';
  for (;;) {
    const customers = await ctx.database.db
      .selectFrom('customers')
      .select(['id', 'external_id'])
      .where('id', '>', after)
      // Stripe customer ids; `like` would read the underscore as a wildcard.
      .where(sql<string>`substr(customers.external_id, 1, 4)`, '=', 'cus_')
      .where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('cases')
              .select('cases.id')
              .whereRef('cases.customer_id', '=', 'customers.id')
              .where('cases.state', '=', 'open'),
          ),
          eb.exists(
            eb
              .selectFrom('invoices')
              .select('invoices.id')
              .whereRef('invoices.customer_id', '=', 'customers.id')
              .where('invoices.status', '=', 'open')
              .where('invoices.case_id', 'is', null)
              .where('invoices.failed_at', 'is not', null),
          ),
        ]),
      )
      .orderBy('id')
      .limit(ctx.pageSize)
      .execute();
    const listing = customers.filter((c) => !ctx.cardsListed.has(c.external_id!));
    const cards = await mapLimit(listing, ctx.concurrency, (c) => cardsOrGone(ctx, c.external_id!));
    const done = customers.length < ctx.pageSize;
    const last = customers.at(-1)?.id ?? after;
    await writeTransaction(ctx.database, async (trx) => {
      await writeCards(
        ctx,
        trx,
        listing.flatMap((c, i) =>
          cards[i] === null ? [] : [{ customer: c.external_id!, preferred: null, cards: cards[i]! }],
        ),
      );
      await advanceCursor(trx, 'methods_in_dunning', last, done, ctx.now);
    });
    ctx.progress('methods_in_dunning', customers.length);
    if (done) return;
    after = last;
  }
}

// A customer deleted in Stripe has no cards to list; its cards stay as Recoup has them, with a warning.
async function cardsOrGone(ctx: SyncContext, customer: string): Promise<Stripe.PaymentMethod[] | null> {
  try {
    return await listCards(ctx, customer);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) {
      ctx.report.warnings.push(`${customer}: Stripe has no such customer; its cards left as they are`);
      return null;
    }
    throw error;
  }
}
