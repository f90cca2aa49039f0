import type { Command } from 'commander';
import type { OpenCustomer } from '../../store/customer-contacts.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatInstant, money, table } from '../format.ts';
import {
  type ListFlags,
  allOption,
  cursorOption,
  jsonOption,
  jsonRow,
  printJson,
  printList,
} from '../listing.ts';

// Emails are encrypted at rest, so a search by email decrypts customers newest first, this many per query.
const EMAIL_SCAN = 500;

/** `recoup customers list|show`: customers newest first with filters, and one customer with what they owe. */
export function registerCustomerList(customers: Command): void {
  customers
    .command('list')
    .description('customers, newest first')
    .option('--external-id <id>', 'the customer with this id from your billing system')
    .option('--name <name>', 'customers with exactly this name')
    .option('--email <address>', 'customers with this email address (any case; reads every customer)')
    .option('--limit <n>', 'how many on a page', '50')
    .addOption(cursorOption())
    .addOption(allOption())
    .addOption(jsonOption())
    .action(async (options: ListFlags & { externalId?: string; name?: string; email?: string }) => {
      const { listCustomers } = await import('../../services/customers.ts');
      await withRuntime(async ({ database, deps }) => {
        const filters = {
          ...(options.externalId === undefined ? {} : { external_id: options.externalId }),
          ...(options.name === undefined ? {} : { name: options.name }),
        };
        // listCustomers reads one row more than its limit, to tell whether there is a next page.
        const read = (after: string | null, limit: number) =>
          listCustomers(database.db, deps.cipher, { after, limit: limit - 1, ...filters });
        const email = options.email?.toLowerCase();
        await printList<OpenCustomer>(options, {
          noun: 'customers',
          fetch: ({ after, limit }) =>
            email === undefined ? read(after, limit) : matchingEmail(read, email, after, limit),
          json: jsonRow,
          table: (rows) =>
            table(
              ['customer', 'external id', 'name', 'email', 'locale', 'time zone', 'created'],
              rows.map((c) => [
                c.id,
                c.external_id ?? '',
                c.erased_at === null ? c.name : `(erased ${formatInstant(c.erased_at)})`,
                c.email ?? '',
                c.locale,
                c.time_zone,
                formatInstant(c.created_at),
              ]),
            ),
        });
      });
    });

  customers
    .command('show')
    .argument('<id>', 'customer id, or the external id from your billing system')
    .description('a customer with their payment methods, invoices and cases')
    .addOption(jsonOption())
    .action(async (id: string, options: ListFlags) => {
      const { findCustomerId } = await import('../../privacy/customer-lookup.ts');
      const { loadCustomer } = await import('../../store/customer-contacts.ts');
      await withRuntime(async ({ database, deps }) => {
        const customerId = await findCustomerId(database.db, id);
        const customer = customerId && (await loadCustomer(database.db, deps.cipher, customerId));
        if (!customerId || !customer) throw new UsageError(`customers show: no customer '${id}'`);
        const db = database.db;
        const [methods, invoices, cases] = await Promise.all([
          // Not the gateway token: it charges the card, and reading a customer needs no such thing.
          db
            .selectFrom('payment_methods')
            .select(['id', 'external_id', 'type', 'brand', 'last4', 'exp_month', 'exp_year', 'priority'])
            .select(['status', 'created_at'])
            .where('customer_id', '=', customerId)
            .orderBy('priority')
            .orderBy('id')
            .execute(),
          db
            .selectFrom('invoices')
            .selectAll()
            .where('customer_id', '=', customerId)
            .orderBy('id', 'desc')
            .execute(),
          db
            .selectFrom('cases')
            .select(['id', 'state', 'currency', 'policy_version_id', 'opened_at', 'closed_at'])
            .where('customer_id', '=', customerId)
            .orderBy('id', 'desc')
            .execute(),
        ]);
        if (options.json) {
          printJson({
            customer: jsonRow(customer),
            payment_methods: methods.map(jsonRow),
            invoices: invoices.map(jsonRow),
            cases: cases.map(jsonRow),
          });
          return;
        }
        console.log(
          `Customer ${customer.name} (${customer.id}${customer.external_id ? `, ${customer.external_id}` : ''})`,
        );
        console.log(
          `${customer.locale}, ${customer.time_zone}; created ${formatInstant(customer.created_at)}`,
        );
        const reach = [customer.email, customer.phone].filter((v) => v !== null).join(', ');
        if (reach) console.log(`Contact ${reach}`);
        if (customer.erased_at !== null) console.log(`Erased ${formatInstant(customer.erased_at)}`);
        console.log(
          `\nPayment methods\n${table(
            ['method', 'type', 'brand', 'last4', 'expires', 'priority', 'status'],
            methods.map((m) => [
              m.id,
              m.type,
              m.brand ?? '',
              m.last4 ?? '',
              m.exp_month === null ? '' : `${String(m.exp_month).padStart(2, '0')}/${m.exp_year}`,
              String(m.priority),
              m.status,
            ]),
          )}`,
        );
        console.log(
          `\nInvoices\n${table(
            ['invoice', 'number', 'total', 'paid', 'due', 'status', 'case'],
            invoices.map((i) => [
              i.id,
              i.number,
              money(i.total, i.currency),
              money(i.amount_paid, i.currency),
              formatInstant(i.due_at),
              i.status,
              i.case_id ?? '',
            ]),
          )}`,
        );
        console.log(
          `\nCases\n${table(
            ['case', 'state', 'policy', 'opened', 'closed'],
            cases.map((c) => [
              c.id,
              c.state,
              c.policy_version_id,
              formatInstant(c.opened_at),
              formatInstant(c.closed_at),
            ]),
          )}`,
        );
      });
    });
}

/**
 * Up to `limit` customers with this email after the id `after`, newest first: pages of customers are decrypted
 * and matched until enough are found or none are left.
 */
async function matchingEmail(
  read: (after: string | null, limit: number) => Promise<OpenCustomer[]>,
  email: string,
  after: string | null,
  limit: number,
): Promise<OpenCustomer[]> {
  const found: OpenCustomer[] = [];
  let from = after;
  while (found.length < limit) {
    const batch = await read(from, EMAIL_SCAN);
    found.push(...batch.filter((c) => c.email?.toLowerCase() === email));
    if (batch.length < EMAIL_SCAN) break;
    from = batch[batch.length - 1]!.id;
  }
  return found.slice(0, limit);
}
