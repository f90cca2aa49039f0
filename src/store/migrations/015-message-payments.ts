import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * "Paid within 72 hours" as a stamp on the message: `paid_at` is when a payment on the message's case came in
 * within 72 hours of its sending (epoch ms, null until one does). Worked out at read time it joined every payment of
 * the period to its case's messages: a year of them took half a second on PostgreSQL. Stamped when a payment or a
 * sent message is recorded, it is counted like opens and clicks, from a partial index with the same leading
 * columns (see migration 011), which holds only the messages it counts. Messages already sent are stamped here from
 * the payments already recorded.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('messages').addColumn('paid_at', 'bigint').execute();
  // Only the answered messages are rewritten: the others keep their row as it is.
  const answering = sql`from payments p where p.case_id = messages.case_id and p.received_at >= messages.sent_at
    and p.received_at < messages.sent_at + 259200000`;
  await sql`update messages set paid_at = (select min(p.received_at) ${answering})
    where status = 'sent' and exists (select 1 ${answering})`.execute(db);
  await sql`create index messages_paid on messages (channel, template, status, created_at, paid_at)
    where paid_at is not null`.execute(db);
}
