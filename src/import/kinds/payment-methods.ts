import type { PaymentMethodsTable } from '../../store/tables.ts';
import { type CellParser, gatewayToken, integer, matching, oneOf, text, year } from '../cells.ts';
import { EXTERNAL_ID_MAX, type RowSpec } from './row-spec.ts';

/** The payment method columns an import sets. */
export type PaymentMethodFields = Pick<
  PaymentMethodsTable,
  'token' | 'type' | 'brand' | 'last4' | 'exp_month' | 'exp_year' | 'priority' | 'status'
>;

/** A payment methods file: gateway tokens on file per customer, tried in priority order. */
export const paymentMethodSpec: RowSpec<PaymentMethodFields> = {
  columns: {
    known: [
      'external_id',
      'customer_external_id',
      'token',
      'type',
      'brand',
      'last4',
      'exp_month',
      'exp_year',
      'priority',
      'status',
    ],
    required: ['external_id', 'customer_external_id', 'token'],
  },
  parse(row) {
    const externalId = row.required('external_id', text(EXTERNAL_ID_MAX));
    const customerExternalId = row.required('customer_external_id', text(EXTERNAL_ID_MAX));
    const token = row.required('token', gatewayToken);
    const type = row.optional('type', oneOf(['card', 'bank_debit'])) ?? 'card';
    // Every card expires, so a card row without its expiry is an incomplete export; bank debits have none.
    const expiry = <T>(column: string, parse: CellParser<T>) =>
      type === 'card' ? row.required(column, parse) : row.optional(column, parse);
    const fields = {
      token: token ?? '',
      type,
      brand: row.optional('brand', text(50)) ?? null,
      last4: row.optional('last4', matching(/^\d{4}$/, 'the last 4 digits, e.g. 4242')) ?? null,
      exp_month: expiry('exp_month', integer(1, 12)) ?? null,
      exp_year: expiry('exp_year', year) ?? null,
      priority: row.optional('priority', integer(1, 1_000_000)) ?? 1,
      status: row.optional('status', oneOf(['active', 'disabled'])) ?? 'active',
    };
    if (!row.ok || externalId === undefined || customerExternalId === undefined) return null;
    return { line: row.line, externalId, customerExternalId, fields };
  },
};
