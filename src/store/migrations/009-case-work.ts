import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Working cases: who a case is assigned to. A nullable column with a foreign key, which both databases add
 * without rewriting the table. The partial index holds only assigned cases (few: the ones people work), ordered
 * by id as lists are, so `GET /v1/cases?assignee=…` reads one person's queue without scanning every case and the
 * engine's writes to unassigned cases never touch it.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('cases')
    .addColumn('assignee_user_id', 'text', (c) => c.references('users.id'))
    .execute();
  await sql`create index cases_assignee on cases (assignee_user_id, id) where assignee_user_id is not null`.execute(
    db,
  );
}
