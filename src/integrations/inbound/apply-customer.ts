import { syncedTimeZone } from '../../domain/synced-time-zone.ts';
import type { CustomerFields } from '../../import/kinds/customers.ts';
import { planCustomers } from '../../import/plan-customers.ts';
import { planPaymentMethods } from '../../import/plan-payment-methods.ts';
import { openContact } from '../../store/customer-contacts.ts';
import type { CustomerRow } from '../../store/tables.ts';
import {
  APPLIED,
  type ApplyContext,
  type ApplyOutcome,
  ignored,
  writeThroughPlanner,
} from './apply-context.ts';
import type { ContactSnapshot, CustomerChange } from './changes.ts';
import { orderEvent } from './object-order.ts';

/** Upserts a customer from its own event, unless a newer event about it was already applied. */
export async function applyCustomer(ctx: ApplyContext, change: CustomerChange): Promise<ApplyOutcome> {
  const key = { source: ctx.event.source, objectType: 'customer', externalId: change.externalId } as const;
  if ((await orderEvent(ctx.trx, key, ctx.event.created)) === 'stale')
    return ignored(`stale: a newer event about customer ${change.externalId} was already applied`);
  const current = await findCustomer(ctx, change.externalId);
  // Contact details come whole from the event; never read back and re-sent, since they may be stored encrypted.
  const fields: CustomerFields = {
    ...change.contact,
    address: change.address,
    locale: change.locale ?? current?.locale ?? 'en',
    time_zone: change.timeZone ?? zoneOf(ctx, change, current),
    attributes: attributesOf(change, current),
    opted_out: change.optedOut ?? current?.opted_out ?? '[]',
  };
  await writeThroughPlanner(ctx, planCustomers, {
    externalId: change.externalId,
    customerExternalId: null,
    fields,
  });
  if (change.defaultMethodExternalId)
    await preferMethod(ctx, change.externalId, change.defaultMethodExternalId);
  return APPLIED;
}

/**
 * Makes sure a customer an invoice or payment method names exists, creating a provisional customer from what that event knows.
 * A provisional customer records no version, so the customer's own events, in whatever order they come, fill it in.
 */
export async function ensureCustomer(
  ctx: ApplyContext,
  externalId: string,
  known: ContactSnapshot | undefined,
): Promise<void> {
  if (!known || (await findCustomer(ctx, externalId))) return;
  await writeThroughPlanner(ctx, planCustomers, {
    externalId,
    customerExternalId: null,
    fields: { ...known, locale: 'en', time_zone: ctx.timeZones.fallback, attributes: '{}', opted_out: '[]' },
  });
}

// A zone the sender states wins; otherwise it is inferred from what the sender knows, keeping Recoup's own while the
// customer has not moved.
function zoneOf(ctx: ApplyContext, change: CustomerChange, current: CustomerRow | undefined): string {
  if (!change.timeZoneFacts) return current?.time_zone ?? ctx.timeZones.fallback;
  const stored = current && { zone: current.time_zone, address: openContact(ctx.cipher, current).address };
  return syncedTimeZone(
    {
      metadata: change.timeZoneFacts.metadata,
      // An event without an address keeps the stored one, as the customer's other fields do.
      address: change.timeZoneFacts.address ?? stored?.address ?? null,
      metadataKeys: ctx.timeZones.metadataKeys,
      fallback: ctx.timeZones.fallback,
    },
    stored ?? null,
  ).zone;
}

function attributesOf(change: CustomerChange, current: CustomerRow | undefined): string {
  const stored = change.attributes ?? current?.attributes ?? '{}';
  if (!change.attributesMerge) return stored;
  return JSON.stringify({ ...(JSON.parse(stored) as Record<string, unknown>), ...change.attributesMerge });
}

async function findCustomer(ctx: ApplyContext, externalId: string): Promise<CustomerRow | undefined> {
  return ctx.trx.selectFrom('customers').selectAll().where('external_id', '=', externalId).executeTakeFirst();
}

// Retries follow the billing system's own choice: its default method first, the rest in their existing order.
async function preferMethod(ctx: ApplyContext, customerExternalId: string, methodExternalId: string) {
  const methods = await ctx.trx
    .selectFrom('payment_methods')
    .innerJoin('customers', 'customers.id', 'payment_methods.customer_id')
    .selectAll('payment_methods')
    .where('customers.external_id', '=', customerExternalId)
    .orderBy('payment_methods.priority')
    .orderBy('payment_methods.id')
    .execute();
  const preferred = methods.find((m) => m.external_id === methodExternalId);
  if (!preferred) return;
  const ordered = [preferred, ...methods.filter((m) => m !== preferred)];
  for (const [index, m] of ordered.entries()) {
    if (m.priority === index + 1 || m.external_id === null) continue;
    const { token, type, brand, last4, exp_month, exp_year, status } = m;
    await writeThroughPlanner(ctx, planPaymentMethods, {
      externalId: m.external_id,
      customerExternalId,
      fields: { token, type, brand, last4, exp_month, exp_year, status, priority: index + 1 },
    });
  }
}
