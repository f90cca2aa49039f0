import { type PostalAddress, postalAddressJson } from '../domain/postal-address.ts';
import { fieldContext } from '../security/encrypted-columns.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import { insertMany } from './batch.ts';
import type { Queryable } from './database.ts';
import type { CustomerRow, CustomersTable } from './tables.ts';

// The one place customers' contact data is encrypted for storage and decrypted for use.

/** A customer's contact data in the clear, as the code that uses it sees it. */
export interface CustomerContact {
  readonly email: string | null;
  readonly phone: string | null;
  readonly address: PostalAddress | null;
}

/** The stored (encrypted) contact columns of a customer row. */
export type SealedContact = Pick<CustomersTable, 'email' | 'phone' | 'address'>;

/** A customer to insert, with its contact data in the clear; `erased_at` is only ever set by erasure. */
export type NewCustomer = Omit<CustomersTable, keyof SealedContact | 'erased_at'> & CustomerContact;

/** A stored customer with its contact data decrypted. */
export type OpenCustomer = Omit<CustomerRow, keyof SealedContact> & CustomerContact;

/** Encrypts a customer's contact data for storage, bound to the customer's id. */
export function sealContact(
  cipher: FieldCipher,
  customerId: string,
  contact: CustomerContact,
): SealedContact {
  return {
    // An empty email or phone is none: stored as null, since the engine reads "has an email" off the sealed column.
    email: cipher.sealNullable(contact.email || null, fieldContext('customers', 'email', customerId)),
    phone: cipher.sealNullable(contact.phone || null, fieldContext('customers', 'phone', customerId)),
    address: cipher.sealNullable(
      postalAddressJson(contact.address),
      fieldContext('customers', 'address', customerId),
    ),
  };
}

/** Decrypts a stored customer's contact data. */
export function openContact(
  cipher: FieldCipher,
  row: { readonly id: string } & SealedContact,
): CustomerContact {
  const address = cipher.openNullable(row.address, fieldContext('customers', 'address', row.id));
  return {
    email: cipher.openNullable(row.email, fieldContext('customers', 'email', row.id)),
    phone: cipher.openNullable(row.phone, fieldContext('customers', 'phone', row.id)),
    address: address === null ? null : (JSON.parse(address) as PostalAddress),
  };
}

/** Decrypts the email address alone: the engine needs it only for the customers it writes to. */
export function openEmail(
  cipher: FieldCipher,
  row: { readonly id: string; readonly email: string | null },
): string | null {
  return cipher.openNullable(row.email, fieldContext('customers', 'email', row.id));
}

/** A customer row ready to insert, its contact data encrypted. */
export function sealCustomer(cipher: FieldCipher, customer: NewCustomer): CustomersTable {
  const { email, phone, address, ...rest } = customer;
  return { ...rest, ...sealContact(cipher, customer.id, { email, phone, address }), erased_at: null };
}

/** A stored customer row with its contact data decrypted. */
export function openCustomer(cipher: FieldCipher, row: CustomerRow): OpenCustomer {
  return { ...row, ...openContact(cipher, row) };
}

/** Inserts customers in batched statements, encrypting their contact data. */
export async function insertCustomers(
  db: Queryable,
  cipher: FieldCipher,
  customers: readonly NewCustomer[],
): Promise<void> {
  await insertMany(
    db,
    'customers',
    customers.map((c) => sealCustomer(cipher, c)),
  );
}

/** One customer with its contact data decrypted, or undefined when there is no such customer. */
export async function loadCustomer(
  db: Queryable,
  cipher: FieldCipher,
  id: string,
): Promise<OpenCustomer | undefined> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  return row && openCustomer(cipher, row);
}
