import { insertMany } from '../store/batch.ts';
import { type Database, writeTransaction } from '../store/database.ts';
import { renewLeases } from '../store/scheduler.ts';
import type { CaseWork } from './case-work.ts';

/** The lease a batch works under, as the scheduler granted it. */
export interface BatchLease {
  readonly owner: string;
  readonly claimedAt: number;
  readonly leaseMs: number;
}

/**
 * Commits the intents of one group of messages (no more than their channel sends at once) just before they are
 * handed to it, so a crash leaves at most that many messages whose fate is unknown; renews the group's leases in
 * the same transaction and returns the cases still held, the only ones whose messages may leave.
 */
export async function recordMessageIntents(
  database: Database,
  works: readonly CaseWork[],
  lease: BatchLease,
): Promise<Set<string>> {
  return writeTransaction(database, async (trx) => {
    const ids = works.map((w) => w.rows.case.id);
    const held = new Set(await renewLeases(trx, lease.owner, ids, Date.now() + lease.leaseMs));
    const mine = works.filter((w) => held.has(w.rows.case.id));
    await insertMany(
      trx,
      'messages',
      mine.filter((w) => w.messageMode === 'insert').map((w) => w.message!),
    );
    const resent = mine.filter((w) => w.messageMode === 'resend').map((w) => w.message!.id);
    if (resent.length > 0) {
      // A failed send, or an interrupted one its channel says never left: the same id goes again.
      await trx
        .updateTable('messages')
        .set({ status: 'sending', error: null })
        .where('id', 'in', resent)
        .where('status', 'in', ['failed', 'sending', 'unknown'])
        .execute();
    }
    for (const w of mine) w.messageMode = null;
    return held;
  });
}
