import { sql } from 'kysely';
import { memberOf } from '../store/batch.ts';
import type { Queryable } from '../store/database.ts';
import { paidOnTime } from './case-money.ts';

/** How long after a message a payment on its case still counts as a response to it. */
const RESPONSE_WINDOW_MS = 72 * 3_600_000;

/**
 * Stamps `paid_at` on the sent messages of these cases (or of every case) that a recorded payment answered: one on
 * the case received within 72 hours of the message's sending, for money that had failed (money paid on time is not
 * recovered, so no message earns credit for it). Called in the transaction that records a payment,
 * and in the one that records a message as sent (a payment may have come in while it was being sent). A stamp is
 * never moved: it says that the message was answered, and when the first payment recorded for it came in.
 */
export async function stampPaidMessages(db: Queryable, cases: readonly string[] | 'all'): Promise<void> {
  if (cases !== 'all' && cases.length === 0) return;
  const window = sql.lit(RESPONSE_WINDOW_MS);
  const payment = sql`from payments p join invoices i on i.id = p.invoice_id
    where p.case_id = messages.case_id and p.received_at >= messages.sent_at
    and p.received_at < messages.sent_at + ${window} and not (${paidOnTime('p', 'i')})`;
  const scope = cases === 'all' ? sql`` : sql` and ${memberOf(db, 'messages.case_id', [...new Set(cases)])}`;
  await sql`update messages set paid_at = (select min(p.received_at) ${payment})
    where status = 'sent' and paid_at is null${scope} and exists (select 1 ${payment})`.execute(db);
}
