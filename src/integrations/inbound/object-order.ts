import { sql } from 'kysely';
import type { Trx } from '../../store/database.ts';
import type { InboundObjectsTable, InboundSource } from '../../store/schema/inbound.ts';

/*
 * Ordering rules. Billing systems deliver events at least once and in any order, so an event is applied by what
 * it says and when it was created, not by when it arrived:
 *
 * 1. Every object (customer, payment method, invoice, dispute) remembers the `created` of the newest event applied
 *    to it. An event created earlier than that is stale: it changes none of the object's descriptive fields (name,
 *    email, brand, expiry, total, due date, a charge failure), so an older `customer.updated` cannot overwrite a
 *    newer one and an older `invoice.payment_failed` cannot mark a failure after the invoice moved on. Events
 *    created in the same instant both apply (Stripe counts in whole seconds and each event carries the object's
 *    full state).
 * 2. Money only moves forward. An invoice's amount paid is the largest ever reported, whatever the order, so a
 *    late payment event still records money not yet recorded, and an early snapshot never takes any back.
 * 3. `paid` and `void` are terminal: once an invoice is in either, no event reopens it or marks a failure on it,
 *    fresh or stale. A stale event that reports a terminal state still applies it (a void stays void however
 *    late the news). `uncollectible` can still become `paid`.
 * 4. A provisional customer (an invoice or payment method named a customer Recoup had not seen) records no
 *    version, so the customer's own events always fill it in.
 */

export type ObjectType = InboundObjectsTable['object_type'];

/**
 * Records that an event created at `created` is being applied to an object and says whether it is current (at
 * least as new as every event applied before) or stale. One upsert, so on PostgreSQL it also locks the object's
 * row until the transaction ends; a stale event leaves the stored time as it was.
 */
export async function orderEvent(
  trx: Trx,
  key: { source: InboundSource; objectType: ObjectType; externalId: string },
  created: number,
): Promise<'current' | 'stale'> {
  const row = await trx
    .insertInto('inbound_objects')
    .values({
      source: key.source,
      object_type: key.objectType,
      external_id: key.externalId,
      last_created: created,
    })
    .onConflict((oc) =>
      oc.columns(['source', 'object_type', 'external_id']).doUpdateSet({
        last_created: sql<number>`case when excluded.last_created >= inbound_objects.last_created
          then excluded.last_created else inbound_objects.last_created end`,
      }),
    )
    .returning('last_created')
    .executeTakeFirstOrThrow();
  return Number(row.last_created) === created ? 'current' : 'stale';
}
