import type { Command } from 'commander';
import type { InvoiceStatus } from '../../store/tables.ts';
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
import { parseChoice } from '../parse.ts';

const STATUSES: InvoiceStatus[] = ['open', 'paid', 'void', 'uncollectible'];

interface InvoiceListOptions extends ListFlags {
  readonly status?: string;
  readonly customer?: string;
  readonly case?: string;
  readonly currency?: string;
}

/** `recoup invoices list|show`: invoices newest first with filters, and one invoice with its payments. */
export function registerInvoices(program: Command): void {
  const invoices = program.command('invoices').description('list invoices and show one with its payments');

  invoices
    .command('list')
    .description('invoices, newest first')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`)
    .option('--customer <id>', "one customer's, by id or by the external id from your billing system")
    .option('--case <id>', "one case's")
    .option('--currency <code>', 'in this ISO 4217 currency, e.g. EUR')
    .option('--limit <n>', 'how many on a page', '50')
    .addOption(cursorOption())
    .addOption(allOption())
    .addOption(jsonOption())
    .action(async (options: InvoiceListOptions) => {
      const status = options.status ? parseChoice(options.status, '--status', STATUSES) : undefined;
      if (options.currency !== undefined && !/^[A-Za-z]{3}$/.test(options.currency))
        throw new UsageError(`--currency: expected an ISO 4217 code such as EUR, got '${options.currency}'`);
      const { listInvoices } = await import('../../services/invoices.ts');
      const { findCustomerId } = await import('../../privacy/customer-lookup.ts');
      await withRuntime(async ({ database }) => {
        const customerId =
          options.customer === undefined ? undefined : await findCustomerId(database.db, options.customer);
        if (customerId === null) throw new UsageError(`--customer: no customer '${options.customer}'`);
        const filter = {
          ...(status === undefined ? {} : { status }),
          ...(customerId === undefined ? {} : { customerId }),
          ...(options.case === undefined ? {} : { caseId: options.case }),
          ...(options.currency === undefined ? {} : { currency: options.currency.toUpperCase() }),
        };
        await printList(options, {
          noun: 'invoices',
          fetch: (page) => listInvoices(database.db, filter, page),
          json: jsonRow,
          table: (rows) =>
            table(
              ['invoice', 'number', 'customer', 'total', 'paid', 'due', 'status', 'case'],
              rows.map((i) => [
                i.id,
                i.number,
                i.customer_id,
                money(i.total, i.currency),
                money(i.amount_paid, i.currency),
                formatInstant(i.due_at),
                i.status,
                i.case_id ?? '',
              ]),
            ),
        });
      });
    });

  invoices
    .command('show')
    .argument('<id>', 'invoice id, or the external id from your billing system')
    .description('an invoice and the payments recorded against it')
    .addOption(jsonOption())
    .action(async (id: string, options: ListFlags) => {
      await withRuntime(async ({ database }) => {
        const db = database.db;
        const invoice =
          (await db.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst()) ??
          (await db.selectFrom('invoices').selectAll().where('external_id', '=', id).executeTakeFirst());
        if (!invoice) throw new UsageError(`invoices show: no invoice '${id}'`);
        const payments = await db
          .selectFrom('payments')
          .selectAll()
          .where('invoice_id', '=', invoice.id)
          .orderBy('received_at')
          .orderBy('id')
          .execute();
        if (options.json) {
          printJson({ invoice: jsonRow(invoice), payments: payments.map(jsonRow) });
          return;
        }
        const i = invoice;
        console.log(
          `Invoice ${i.number} (${i.id}${i.external_id ? `, ${i.external_id}` : ''}) — ${i.status}`,
        );
        console.log(
          `Customer ${i.customer_id}; total ${money(i.total, i.currency)}, paid ${money(i.amount_paid, i.currency)}, due ${formatInstant(i.due_at)}`,
        );
        console.log(`Collection ${i.collection}${i.case_id ? `; case ${i.case_id}` : ''}`);
        if (i.failed_at !== null)
          console.log(
            `Charge failed ${formatInstant(i.failed_at)}${i.failure_code ? ` (${i.failure_code})` : ''}`,
          );
        console.log(
          `\nPayments\n${table(
            ['payment', 'amount', 'source', 'reference', 'received'],
            payments.map((p) => [
              p.id,
              money(p.amount, p.currency),
              p.source,
              p.reference,
              formatInstant(p.received_at),
            ]),
          )}`,
        );
      });
    });
}
