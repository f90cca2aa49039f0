import { type PostalAddress, parsePostalAddress } from '../domain/postal-address.ts';
import { InputError } from '../domain/input-error.ts';
import { newId } from '../engine/ids.ts';
import { type CellParser, email, locale, phone, timeZone } from '../import/cells.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import {
  type OpenCustomer,
  insertCustomers,
  loadCustomer,
  openCustomer,
  sealContact,
} from '../store/customer-contacts.ts';
import type { Db } from '../store/database.ts';

/** The fields a caller may set on a customer; contact data in the clear. */
export interface CustomerInput {
  readonly external_id?: string | null;
  readonly name?: string;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly address?: PostalAddress | null;
  readonly locale?: string;
  readonly time_zone?: string;
  readonly attributes?: Record<string, unknown>;
  readonly opted_out?: readonly string[];
}

/** Filters and paging for a customer list, newest first. */
export interface CustomerQuery {
  readonly limit: number;
  readonly after: string | null;
  readonly external_id?: string;
  readonly name?: string;
}

function check<T>(field: string, parser: CellParser<T>, value: unknown): T {
  const parsed = parser(value);
  if (!parsed.ok) throw new InputError(field, parsed.message);
  return parsed.value;
}

function checkedContact(input: CustomerInput) {
  return {
    ...(input.email === undefined
      ? {}
      : { email: input.email === null ? null : check('email', email, input.email) }),
    ...(input.phone === undefined
      ? {}
      : { phone: input.phone === null ? null : check('phone', phone, input.phone) }),
    ...(input.address === undefined
      ? {}
      : { address: input.address === null ? null : check('address', parsePostalAddress, input.address) }),
    ...(input.locale === undefined ? {} : { locale: check('locale', locale, input.locale) }),
    ...(input.time_zone === undefined ? {} : { time_zone: check('time_zone', timeZone, input.time_zone) }),
  };
}

async function externalIdTaken(db: Db, externalId: string, except?: string): Promise<boolean> {
  let q = db.selectFrom('customers').select('id').where('external_id', '=', externalId);
  if (except) q = q.where('id', '!=', except);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Creates a customer, its contact data encrypted; an external id already in use is a 409. */
export async function createCustomer(
  db: Db,
  cipher: FieldCipher,
  input: CustomerInput & { name: string },
  now: number,
): Promise<OpenCustomer> {
  const checked = checkedContact(input);
  const externalId = input.external_id ?? null;
  if (externalId !== null && (await externalIdTaken(db, externalId))) {
    throw new InputError('external_id', 'a customer with this external id exists', 409);
  }
  const id = newId('cus');
  await insertCustomers(db, cipher, [
    {
      id,
      external_id: externalId,
      name: input.name,
      email: checked.email ?? null,
      phone: checked.phone ?? null,
      address: checked.address ?? null,
      locale: checked.locale ?? 'en',
      time_zone: checked.time_zone ?? 'UTC',
      attributes: JSON.stringify(input.attributes ?? {}),
      opted_out: JSON.stringify([...new Set(input.opted_out ?? [])]),
      created_at: now,
      updated_at: now,
    },
  ]);
  return (await loadCustomer(db, cipher, id))!;
}

/** Changes a customer; contact fields are re-encrypted, an erased customer cannot be given personal data again. */
export async function updateCustomer(
  db: Db,
  cipher: FieldCipher,
  id: string,
  patch: CustomerInput,
  now: number,
): Promise<OpenCustomer> {
  const current = await loadCustomer(db, cipher, id);
  if (!current) throw new InputError('id', 'no such customer', 404);
  if (current.erased_at !== null) {
    throw new InputError('id', 'this customer was erased; their personal data cannot be set again', 409);
  }
  const checked = checkedContact(patch);
  if (patch.external_id && (await externalIdTaken(db, patch.external_id, id))) {
    throw new InputError('external_id', 'a customer with this external id exists', 409);
  }
  const contact = sealContact(cipher, id, {
    email: checked.email === undefined ? current.email : checked.email,
    phone: checked.phone === undefined ? current.phone : checked.phone,
    address: checked.address === undefined ? current.address : checked.address,
  });
  await db
    .updateTable('customers')
    .set({
      ...contact,
      ...(patch.external_id === undefined ? {} : { external_id: patch.external_id }),
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(checked.locale === undefined ? {} : { locale: checked.locale }),
      ...(checked.time_zone === undefined ? {} : { time_zone: checked.time_zone }),
      ...(patch.attributes === undefined ? {} : { attributes: JSON.stringify(patch.attributes) }),
      ...(patch.opted_out === undefined ? {} : { opted_out: JSON.stringify([...new Set(patch.opted_out)]) }),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  return (await loadCustomer(db, cipher, id))!;
}

/** One page of customers, newest first, decrypted; `limit + 1` rows tell whether another page follows. */
export async function listCustomers(
  db: Db,
  cipher: FieldCipher,
  query: CustomerQuery,
): Promise<OpenCustomer[]> {
  let q = db
    .selectFrom('customers')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.after !== null) q = q.where('id', '<', query.after);
  if (query.external_id !== undefined) q = q.where('external_id', '=', query.external_id);
  if (query.name !== undefined) q = q.where('name', '=', query.name);
  return (await q.execute()).map((row) => openCustomer(cipher, row));
}
