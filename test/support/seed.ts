import { insertMany } from '../../src/store/batch.ts';
import type { PaymentMethodsTable } from '../../src/store/tables.ts';
import type { Db } from '../../src/store/database.ts';

const DAY = 86_400_000;

/** The tokens a seeded customer's cards carry: deterministic by index, covering every decline class. */
export function cardTokensFor(i: number, start: number): string[] {
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
      return [`tok_sim_insufficient_funds_until_${start + (1 + (i % 17)) * DAY}`];
    case 4:
    case 5:
      return ['tok_sim_insufficient_funds_never', 'tok_ok'];
    case 6:
      return ['tok_lost_card', 'tok_sim_do_not_honor_never'];
    case 7:
      return ['tok_expired_card'];
    case 8:
      return ['tok_mc_advice_03'];
    default:
      return ['tok_sim_do_not_honor_never'];
  }
}

/**
 * Seeds `count` card customers whose renewal failed at `start`, with external ids `c<i>` so that runs on
 * different databases can be compared customer by customer.
 */
export async function seedFailedRenewals(db: Db, count: number, start: number): Promise<void> {
  const customers = [];
  const methods: PaymentMethodsTable[] = [];
  const invoices = [];
  for (let i = 0; i < count; i++) {
    const id = `cus_${i}`;
    customers.push({
      id,
      external_id: `c${i}`,
      name: `Customer ${i}`,
      email: `c${i}@example.com`,
      phone: null,
      locale: ['en-US', 'de-DE', 'fr-FR', 'es-ES'][i % 4]!,
      time_zone: 'UTC',
      attributes: '{}',
      opted_out: '[]',
      created_at: start,
      updated_at: start,
    });
    cardTokensFor(i, start).forEach((token, n) => {
      methods.push({
        id: `pm_${i}_${n}`,
        external_id: `pm_${i}_${n}`,
        customer_id: id,
        token,
        type: 'card',
        brand: 'visa',
        last4: '4242',
        exp_month: 12,
        exp_year: 2099,
        priority: n + 1,
        status: 'active' as const,
        created_at: start,
        updated_at: start,
      });
    });
    invoices.push({
      id: `inv_${i}`,
      external_id: `inv_${i}`,
      customer_id: id,
      number: `INV-${i}`,
      currency: ['USD', 'EUR', 'EUR', 'EUR'][i % 4]!,
      total: 1_000 + (i % 50) * 100,
      amount_paid: 0,
      due_at: start,
      status: 'open' as const,
      collection: 'charge_automatically' as const,
      failed_at: start,
      failure_code: 'insufficient_funds',
      case_id: null,
      created_at: start,
      updated_at: start,
    });
  }
  await insertMany(db, 'customers', customers);
  await insertMany(db, 'payment_methods', methods);
  await insertMany(db, 'invoices', invoices);
}
