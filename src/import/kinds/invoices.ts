import type { InvoicesTable } from '../../store/tables.ts';
import { amount, currency, instant, oneOf, text } from '../cells.ts';
import { EXTERNAL_ID_MAX, type RowSpec } from './row-spec.ts';

/**
 * The invoice columns an import sets, and the method the billing system's failed charge was made on as the source
 * names it (its external id); the planner resolves it to `failed_payment_method_id`.
 */
export type InvoiceFields = { failed_payment_method?: string } & Pick<
  InvoicesTable,
  | 'number'
  | 'currency'
  | 'total'
  | 'amount_paid'
  | 'due_at'
  | 'status'
  | 'collection'
  | 'failed_at'
  | 'failure_code'
>;

/** An invoices file: what each customer owes, and whether the billing system's own charge already failed. */
export const invoiceSpec: RowSpec<InvoiceFields> = {
  columns: {
    known: [
      'external_id',
      'customer_external_id',
      'number',
      'currency',
      'total',
      'amount_paid',
      'due_date',
      'status',
      'collection',
      'failed_at',
      'failure_code',
      'failed_payment_method',
    ],
    required: ['external_id', 'customer_external_id', 'currency', 'total', 'due_date'],
  },
  parse(row) {
    const externalId = row.required('external_id', text(EXTERNAL_ID_MAX));
    const customerExternalId = row.required('customer_external_id', text(EXTERNAL_ID_MAX));
    const number = row.optional('number', text(200));
    const code = row.required('currency', currency);
    // Amounts can only be read once the currency says how many decimals they may have.
    const total = code === undefined ? undefined : row.required('total', amount(code));
    const paid = code === undefined ? undefined : row.optional('amount_paid', amount(code));
    const due_at = row.required('due_date', instant);
    const status = row.optional('status', oneOf(['open', 'paid', 'void', 'uncollectible'])) ?? 'open';
    const collection =
      row.optional('collection', oneOf(['charge_automatically', 'send_invoice'])) ?? 'send_invoice';
    const failed_at = row.optional('failed_at', instant) ?? null;
    const failure_code = row.optional('failure_code', text(100)) ?? null;
    const failed_payment_method = row.optional('failed_payment_method', text(EXTERNAL_ID_MAX));
    if (total !== undefined && paid !== undefined && paid > total)
      row.problem('amount_paid', 'must not exceed total');
    if (failed_at !== null && collection !== 'charge_automatically')
      row.problem('failed_at', 'only applies when collection is charge_automatically');
    if (failed_payment_method !== undefined && failed_at === null)
      row.problem('failed_payment_method', 'only applies together with failed_at');
    if (!row.ok || externalId === undefined || customerExternalId === undefined) return null;
    if (code === undefined || total === undefined || due_at === undefined) return null;
    const fields: InvoiceFields = {
      number: number ?? externalId,
      currency: code,
      total,
      // A billing system that says paid means paid in full, whatever its amount_paid column lags behind at.
      amount_paid: status === 'paid' ? total : (paid ?? 0),
      due_at,
      status,
      collection,
      failed_at,
      failure_code,
      ...(failed_payment_method === undefined ? {} : { failed_payment_method }),
    };
    return { line: row.line, externalId, customerExternalId, fields };
  },
};
