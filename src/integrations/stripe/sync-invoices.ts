import Stripe from 'stripe';
import { mapLimit } from '../../engine/map-limit.ts';
import { idOf } from '../../gateways/stripe/stripe-ids.ts';
import { planInvoices } from '../../import/plan-invoices.ts';
import { type Queryable, writeTransaction } from '../../store/database.ts';
import type { InvoiceRow } from '../../store/tables.ts';
import { type BillingFailure, recordBillingAttempts } from '../billing-attempts.ts';
import { type SyncContext, writeRows } from './sync-context.ts';
import { type SyncCursor, advanceCursor } from './sync-cursors.ts';
import { fetchCustomers, writeCustomers } from './sync-customers.ts';
import { type CustomerCards, listCards, writeCards } from './sync-methods.ts';
import { intentFailure, invoiceFailure } from './stripe-failures.ts';
import { invoiceRows } from './to-rows.ts';

// How an open invoice's failed charge is asked for: expanded on the invoice as API versions before 2025-03-31 name
// it, or as its payments after; Stripe refuses an expansion its version does not have, and the next one is tried.
const EXPANSIONS: readonly (readonly string[])[] = [['data.payment_intent'], ['data.payments'], []];

/**
 * Walks Stripe's open invoices a page at a time from the stored cursor. Each page is written with the invoices it
 * saw (for the closed-invoice check that follows), Stripe's own failed charges as attempts, and the advanced cursor
 * in one transaction. Customers an invoice names that Recoup does not hold, and the cards a failed charge used that
 * Recoup does not hold, are fetched first.
 */
export async function syncOpenInvoices(ctx: SyncContext, cursor: SyncCursor): Promise<void> {
  let after = cursor.cursor;
  let expansion = 0;
  for (;;) {
    let page: Stripe.ApiList<Stripe.Invoice>;
    try {
      page = await ctx.stripe.invoices.list({
        status: 'open',
        limit: ctx.pageSize,
        ...(after ? { starting_after: after } : {}),
        ...(EXPANSIONS[expansion]!.length > 0 ? { expand: [...EXPANSIONS[expansion]!] } : {}),
      });
    } catch (error) {
      if (!refusedExpansion(error) || expansion === EXPANSIONS.length - 1) throw error;
      expansion++;
      continue;
    }
    const ids = page.data.map((i) => i.id);
    const stored = await storedInvoices(ctx.database.db, ids);
    const fetched = await fetchCustomers(ctx, await unknownCustomers(ctx, page.data));
    const failures = await stripeFailures(ctx, page.data, stored);
    const cards = await cardsOfUnknownMethods(ctx, failures, page.data);
    const last = page.data.at(-1)?.id ?? after;
    await writeTransaction(ctx.database, async (trx) => {
      await writeCustomers(ctx, trx, fetched.customers, fetched.customers, fetched.cards);
      await writeCards(ctx, trx, cards);
      ctx.report.invoices.paymentsRecorded += await writeRows(
        ctx,
        trx,
        planInvoices,
        invoiceRows(page.data, await storedInvoices(trx, ids), ctx.now),
        ctx.report.invoices,
      );
      if (ids.length > 0)
        await trx
          .insertInto('stripe_sync_seen')
          .values(ids.map((stripe_id) => ({ stripe_id, pass: cursor.pass })))
          .onConflict((oc) => oc.column('stripe_id').doUpdateSet({ pass: cursor.pass }))
          .execute();
      const attempts = await recordBillingAttempts(trx, failures);
      ctx.report.stripeAttempts.recorded += attempts.recorded;
      ctx.report.stripeAttempts.blocking += attempts.blocking;
      ctx.report.stripeAttempts.unattributed += attempts.unattributed;
      await advanceCursor(trx, 'invoices', last, !page.has_more, ctx.now);
    });
    ctx.progress('invoices', page.data.length);
    if (!page.has_more || last === null) return;
    after = last;
  }
}

/** Recoup's rows for the given Stripe invoice ids, by Stripe id. */
export async function storedInvoices(
  trx: Queryable,
  stripeIds: readonly string[],
): Promise<Map<string, InvoiceRow>> {
  if (stripeIds.length === 0) return new Map();
  const rows = await trx.selectFrom('invoices').selectAll().where('external_id', 'in', stripeIds).execute();
  return new Map(rows.map((r) => [r.external_id!, r]));
}

function refusedExpansion(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && /expand/i.test(error.message);
}

async function unknownCustomers(ctx: SyncContext, invoices: readonly Stripe.Invoice[]): Promise<string[]> {
  const named = [...new Set(invoices.map((i) => idOf(i.customer)).filter((c): c is string => c !== null))];
  if (named.length === 0) return [];
  const known = await ctx.database.db
    .selectFrom('customers')
    .select('external_id')
    .where('external_id', 'in', named)
    .execute();
  const held = new Set(known.map((k) => k.external_id));
  return named.filter((c) => !held.has(c));
}

/**
 * Stripe's failed charges on the page's invoices that Recoup has not recorded yet and has not taken over: read off
 * the invoice, or off its payment intent where the invoice only names it. A charge already recorded is not looked
 * up again, so an invoice Stripe keeps retrying costs nothing on the next sync.
 */
async function stripeFailures(
  ctx: SyncContext,
  invoices: readonly Stripe.Invoice[],
  stored: ReadonlyMap<string, InvoiceRow>,
): Promise<BillingFailure[]> {
  const candidates = invoices.filter(
    (i) =>
      i.status === 'open' &&
      i.collection_method === 'charge_automatically' &&
      i.attempt_count > 0 &&
      (stored.get(i.id)?.case_id ?? null) === null,
  );
  if (candidates.length === 0) return [];
  const recorded = new Set(
    (
      await ctx.database.db
        .selectFrom('payment_attempts')
        .select('idempotency_key')
        .where(
          'idempotency_key',
          'in',
          candidates.map((i) => `stripe:${i.id}:${i.attempt_count}`),
        )
        .execute()
    ).map((r) => r.idempotency_key),
  );
  const fresh = candidates.filter((i) => !recorded.has(`stripe:${i.id}:${i.attempt_count}`));
  const found = await mapLimit(fresh, ctx.concurrency, async (invoice): Promise<BillingFailure | null> => {
    const told = invoiceFailure(invoice, ctx.now);
    if (told?.kind !== 'look_up') return told?.failure ?? null;
    try {
      return intentFailure(invoice, await ctx.stripe.paymentIntents.retrieve(told.paymentIntentId), ctx.now);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
      ctx.report.warnings.push(`${invoice.id}: its payment intent could not be read (${error.message})`);
      return null;
    }
  });
  return found.filter((f) => f !== null);
}

/** The cards of the customers whose failed charge used a card Recoup does not hold (added since the last sync). */
async function cardsOfUnknownMethods(
  ctx: SyncContext,
  failures: readonly BillingFailure[],
  invoices: readonly Stripe.Invoice[],
): Promise<CustomerCards[]> {
  const methods = failures.map((f) => f.methodExternalId).filter((m): m is string => m !== null);
  if (methods.length === 0) return [];
  const known = new Set(
    (
      await ctx.database.db
        .selectFrom('payment_methods')
        .select('external_id')
        .where('external_id', 'in', methods)
        .execute()
    ).map((m) => m.external_id),
  );
  const customerOf = new Map(invoices.map((i) => [i.id, idOf(i.customer)]));
  const customers = [
    ...new Set(
      failures
        .filter((f) => f.methodExternalId !== null && !known.has(f.methodExternalId))
        .map((f) => customerOf.get(f.invoiceExternalId))
        .filter((c): c is string => typeof c === 'string'),
    ),
  ];
  const cards = await mapLimit(customers, ctx.concurrency, (c) => listCards(ctx, c));
  return customers.map((customer, i) => ({ customer, preferred: null, cards: cards[i]! }));
}
