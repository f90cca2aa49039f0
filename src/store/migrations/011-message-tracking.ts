import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Email open and click tracking: when a message's tracking pixel was first loaded and when one of its links was
 * first followed (epoch ms, null until then). Nullable columns without a default, which both databases add
 * without rewriting the table.
 *
 * "What works" counts opened and clicked messages per (channel, template) over a `created_at` range, the same
 * way it counts sent ones with `messages_template_status`. A partial index per question holds only the messages
 * that were opened (or clicked), with the same leading columns as that index and the timestamp itself last: each
 * count is one range scan that reads only the rows it counts, from the index alone, and the engine's writes of
 * new, unopened messages never touch these indexes. The same leading columns matter: SQLite weighs candidate
 * indexes by the columns a query constrains, not by their size, and with fewer it picks `messages_template_status`
 * and reads the table for every sent message. Queries must say `opened_at is not null` (or `clicked_at …`) to use
 * them.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('messages').addColumn('opened_at', 'bigint').execute();
  await db.schema.alterTable('messages').addColumn('clicked_at', 'bigint').execute();
  await sql`create index messages_opened on messages (channel, template, status, created_at, opened_at)
    where opened_at is not null`.execute(db);
  await sql`create index messages_clicked on messages (channel, template, status, created_at, clicked_at)
    where clicked_at is not null`.execute(db);
}
