import { type PostalAddress, parsePostalAddress } from '../../domain/postal-address.ts';
import type { CustomerContact } from '../../store/customer-contacts.ts';
import type { CustomersTable } from '../../store/tables.ts';
import { email, jsonObject, locale, phone, text, timeZone, wordSet } from '../cells.ts';
import { EXTERNAL_ID_MAX, type RowSpec } from './row-spec.ts';

/**
 * The customer columns an import sets, contact data in the clear; the rest (ids, timestamps) belong to Recoup.
 * `address` undefined means the source carries no addresses (webhooks): the stored one is kept.
 */
export type CustomerFields = Pick<
  CustomersTable,
  'name' | 'locale' | 'time_zone' | 'attributes' | 'opted_out'
> &
  Omit<CustomerContact, 'address'> & { readonly address?: PostalAddress | null };

const CHANNELS = ['email', 'sms', 'phone', 'letter'] as const;

/** A customers file: who owes, how to reach them and what they opted out of. */
export const customerSpec: RowSpec<CustomerFields> = {
  columns: {
    known: [
      'external_id',
      'name',
      'email',
      'phone',
      'address',
      'locale',
      'time_zone',
      'attributes',
      'opted_out',
    ],
    required: ['external_id', 'name'],
  },
  parse(row) {
    const externalId = row.required('external_id', text(EXTERNAL_ID_MAX));
    const name = row.required('name', text(500));
    const fields = {
      name: name ?? '',
      email: row.optional('email', email) ?? null,
      phone: row.optional('phone', phone) ?? null,
      address: row.optional('address', parsePostalAddress) ?? null,
      locale: row.optional('locale', locale) ?? 'en',
      time_zone: row.optional('time_zone', timeZone) ?? 'UTC',
      attributes: row.optional('attributes', jsonObject) ?? '{}',
      opted_out: JSON.stringify(row.optional('opted_out', wordSet(CHANNELS)) ?? []),
    };
    if (!row.ok || externalId === undefined) return null;
    return { line: row.line, externalId, customerExternalId: null, fields };
  },
};
