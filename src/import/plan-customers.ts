import { postalAddressJson } from '../domain/postal-address.ts';
import { newId } from '../engine/ids.ts';
import { type CustomerContact, openContact, sealContact, sealCustomer } from '../store/customer-contacts.ts';
import type { CustomersTable } from '../store/tables.ts';
import type { CustomerFields } from './kinds/customers.ts';
import { loadInChunks } from './lookup.ts';
import { type Planner, differs, upsertPlan } from './plan.ts';

/**
 * Inserts new customers and updates those whose imported fields changed, encrypting contact data on the way in.
 * An erased customer is left as it is: re-importing the billing system's export must not bring the data back.
 */
export const planCustomers: Planner<CustomerFields> = async (db, rows, { now, cipher }) => {
  const stored = await loadInChunks(
    rows.map((r) => r.externalId),
    (chunk) => db.selectFrom('customers').selectAll().where('external_id', 'in', chunk).execute(),
  );
  const byExternalId = new Map(stored.map((c) => [c.external_id, c]));
  const inserts: CustomersTable[] = [];
  const updates: object[] = [];
  for (const row of rows) {
    const current = byExternalId.get(row.externalId);
    const { email, phone, address, ...plain } = row.fields;
    if (!current) {
      inserts.push(
        sealCustomer(cipher, {
          id: newId('cus'),
          external_id: row.externalId,
          ...plain,
          email,
          phone,
          address: address ?? null,
          created_at: now,
          updated_at: now,
        }),
      );
    } else if (current.erased_at === null) {
      // Compared in the clear: every encryption of a value differs, so ciphertexts never compare equal.
      const storedContact = openContact(cipher, current);
      const contact: CustomerContact = {
        email,
        phone,
        address: address === undefined ? storedContact.address : address,
      };
      if (differs(comparable(current, storedContact), comparable(plain, contact)))
        updates.push({
          id: current.id,
          ...plain,
          ...sealContact(cipher, current.id, contact),
          updated_at: now,
        });
    }
  }
  return upsertPlan({
    table: 'customers',
    columns: [
      'name',
      'email',
      'phone',
      'address',
      'locale',
      'time_zone',
      'attributes',
      'opted_out',
      'updated_at',
    ],
    rows: rows.length,
    inserts,
    updates,
  });
};

type PlainFields = Omit<CustomerFields, keyof CustomerContact>;

function comparable(plain: PlainFields, contact: CustomerContact) {
  return {
    name: plain.name,
    locale: plain.locale,
    time_zone: plain.time_zone,
    attributes: plain.attributes,
    opted_out: plain.opted_out,
    email: contact.email,
    phone: contact.phone,
    address: postalAddressJson(contact.address),
  };
}
