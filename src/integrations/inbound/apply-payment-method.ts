import type { PaymentMethodFields } from '../../import/kinds/payment-methods.ts';
import { planPaymentMethods } from '../../import/plan-payment-methods.ts';
import {
  APPLIED,
  type ApplyContext,
  type ApplyOutcome,
  ignored,
  writeThroughPlanner,
} from './apply-context.ts';
import { ensureCustomer } from './apply-customer.ts';
import type { PaymentMethodChange } from './changes.ts';
import { orderEvent } from './object-order.ts';

/** Upserts a payment method, or disables a detached one, unless a newer event about it was already applied. */
export async function applyPaymentMethod(
  ctx: ApplyContext,
  change: PaymentMethodChange,
): Promise<ApplyOutcome> {
  const key = {
    source: ctx.event.source,
    objectType: 'payment_method',
    externalId: change.externalId,
  } as const;
  if ((await orderEvent(ctx.trx, key, ctx.event.created)) === 'stale')
    return ignored(`stale: a newer event about payment method ${change.externalId} was already applied`);
  const current = await ctx.trx
    .selectFrom('payment_methods')
    .selectAll()
    .where('external_id', '=', change.externalId)
    .executeTakeFirst();
  if (change.detached) {
    if (!current) return ignored(`unknown payment method ${change.externalId}`);
    // Only the status changes: past attempts on the method stay attached to it.
    await ctx.trx
      .updateTable('payment_methods')
      .set({ status: 'disabled', updated_at: ctx.now })
      .where('id', '=', current.id)
      .execute();
    return APPLIED;
  }
  if (change.customerExternalId === null)
    return ignored(`payment method ${change.externalId} has no customer`);
  await ensureCustomer(ctx, change.customerExternalId, change.customerStub);
  const f = change.fields;
  const fields: PaymentMethodFields = {
    token: f.token ?? current?.token ?? change.externalId,
    type: f.type ?? current?.type ?? 'card',
    brand: f.brand !== undefined ? f.brand : (current?.brand ?? null),
    last4: f.last4 !== undefined ? f.last4 : (current?.last4 ?? null),
    exp_month: f.exp_month !== undefined ? f.exp_month : (current?.exp_month ?? null),
    exp_year: f.exp_year !== undefined ? f.exp_year : (current?.exp_year ?? null),
    priority: f.priority ?? current?.priority ?? (await nextPriority(ctx, change.customerExternalId)),
    status: f.status ?? current?.status ?? 'active',
  };
  await writeThroughPlanner(ctx, planPaymentMethods, {
    externalId: change.externalId,
    customerExternalId: change.customerExternalId,
    fields,
  });
  return APPLIED;
}

// A method added later is tried after those already on file, unless the customer makes it their default.
async function nextPriority(ctx: ApplyContext, customerExternalId: string): Promise<number> {
  const row = await ctx.trx
    .selectFrom('payment_methods')
    .innerJoin('customers', 'customers.id', 'payment_methods.customer_id')
    .select((eb) => eb.fn.max('payment_methods.priority').as('top'))
    .where('customers.external_id', '=', customerExternalId)
    .executeTakeFirst();
  return Math.min(1_000_000, Number(row?.top ?? 0) + 1);
}
