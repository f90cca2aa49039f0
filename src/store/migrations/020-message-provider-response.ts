import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * What the provider answered when it took a message (an SMTP server's `250 … queued as …`), so a person settling a
 * doubtful send can find it in the server's log; null for channels that answer nothing more than an id.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('messages').addColumn('provider_response', 'text').execute();
}
