import type { Queryable } from '../store/database.ts';

/** No customer has the id (or external id) asked for. */
export class CustomerNotFoundError extends Error {}

/** The id of the customer an operator names by Recoup id or by the billing system's external id. */
export async function findCustomerId(db: Queryable, idOrExternalId: string): Promise<string | null> {
  const byId = await db
    .selectFrom('customers')
    .select('id')
    .where('id', '=', idOrExternalId)
    .executeTakeFirst();
  if (byId) return byId.id;
  const byExternal = await db
    .selectFrom('customers')
    .select('id')
    .where('external_id', '=', idOrExternalId)
    .executeTakeFirst();
  return byExternal?.id ?? null;
}
