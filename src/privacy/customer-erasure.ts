import { NO_SEGMENT } from '../analytics/segment.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import { updateMany } from '../store/batch.ts';
import { openContact } from '../store/customer-contacts.ts';
import { type Database, reclaimRewrittenRows, writeTransaction } from '../store/database.ts';
import { sealRecipient } from '../store/message-recipients.ts';
import type { NewTimelineEvent } from '../store/tables.ts';
import { CustomerNotFoundError } from './customer-lookup.ts';

/** What replaces erased text. */
export const ERASED = '[erased]';
const ERASED_NAME = 'Erased customer';
/** Every channel a customer can opt out of: an erased customer is contacted on none. */
const ALL_CHANNELS = ['email', 'letter', 'phone', 'sms'];

/** What an erasure did; `alreadyErased` when the customer had been erased before and nothing was written. */
export interface ErasureReport {
  readonly customerId: string;
  readonly alreadyErased: boolean;
  readonly messageIds: readonly string[];
  readonly cases: number;
  /** The old versions of the rewritten rows are gone from the database files (see {@link reclaimRewrittenRows}). */
  readonly reclaimed: boolean;
}

/** The tables an erasure rewrites. */
const ERASED_TABLES = ['customers', 'messages', 'cases', 'timeline_events'];

/**
 * Erases a customer's personal data (GDPR Art. 17) in one transaction: name, email, phone, address and attributes
 * are replaced, every message's recipient, subject and bodies too, and the customer is opted out of every channel,
 * so nothing further is sent. Financial records (invoices, payments, attempts, amounts, case states) stay as they
 * are, since the law requires keeping them; each case's timeline records the erasure. Erasing twice changes
 * nothing the second time. Afterwards (each time) the old versions of the rewritten rows are removed from the
 * database's files, where they would otherwise stay readable.
 */
export async function eraseCustomer(
  database: Database,
  cipher: FieldCipher,
  customerId: string,
  at: number,
): Promise<ErasureReport> {
  const report = await erase(database, cipher, customerId, at);
  // Also after an earlier erasure, so running it again finishes a reclaim a busy reader put off.
  return { ...report, reclaimed: await reclaimRewrittenRows(database, ERASED_TABLES) };
}

async function erase(
  database: Database,
  cipher: FieldCipher,
  customerId: string,
  at: number,
): Promise<Omit<ErasureReport, 'reclaimed'>> {
  return writeTransaction(database, async (trx) => {
    const customer = await trx
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', customerId)
      .executeTakeFirst();
    if (!customer) throw new CustomerNotFoundError(`no customer '${customerId}'`);
    if (customer.erased_at !== null) return { customerId, alreadyErased: true, messageIds: [], cases: 0 };
    // Read before it is erased: free text elsewhere (a mail server's bounce in an error) may repeat it. The name
    // is not searched for: a short one would mangle ordinary words and the JSON keys of timeline data.
    const contact = openContact(cipher, customer);
    const scrub = scrubber([contact.email, contact.phone]);

    await trx
      .updateTable('customers')
      .set({
        name: ERASED_NAME,
        email: null,
        phone: null,
        address: null,
        attributes: '{}',
        opted_out: JSON.stringify(ALL_CHANNELS),
        erased_at: at,
        updated_at: at,
      })
      .where('id', '=', customerId)
      .execute();

    const messages = await trx
      .selectFrom('messages')
      .select(['id', 'error'])
      .where('customer_id', '=', customerId)
      .execute();
    await updateMany(
      trx,
      'messages',
      { keys: ['id'], set: ['recipient', 'subject', 'body_text', 'body_html', 'error'] },
      messages.map((m) => ({
        id: m.id,
        // Still encrypted: every stored recipient has the same form, whatever it says.
        recipient: sealRecipient(cipher, m.id, ERASED),
        subject: ERASED,
        body_text: ERASED,
        body_html: null,
        error: m.error === null ? null : scrub(m.error),
      })),
    );

    // A case's segment is copied from the customer's attributes when it opens, so it goes with them.
    await trx
      .updateTable('cases')
      .set({ segment: NO_SEGMENT })
      .where('customer_id', '=', customerId)
      .execute();
    const cases = await trx
      .selectFrom('cases')
      .select(['id', 'policy_version_id'])
      .where('customer_id', '=', customerId)
      .execute();
    if (cases.length > 0) {
      const events = await trx
        .selectFrom('timeline_events')
        .select(['id', 'rule', 'data'])
        .where(
          'case_id',
          'in',
          cases.map((c) => c.id),
        )
        .execute();
      await updateMany(
        trx,
        'timeline_events',
        { keys: ['id'], set: ['rule', 'data'] },
        events
          .map((e) => ({ id: e.id, rule: e.rule === null ? null : scrub(e.rule), data: scrub(e.data) }))
          .filter((e, i) => e.rule !== events[i]!.rule || e.data !== events[i]!.data),
      );
      const erased: NewTimelineEvent[] = cases.map((c) => ({
        case_id: c.id,
        at,
        type: 'customer.erased',
        policy_version_id: c.policy_version_id,
        step_id: null,
        rule: 'personal data erased on request (GDPR Art. 17); financial records kept; no further contact',
        data: JSON.stringify({ messages: messages.length }),
      }));
      await trx.insertInto('timeline_events').values(erased).execute();
    }
    return { customerId, alreadyErased: false, messageIds: messages.map((m) => m.id), cases: cases.length };
  });
}

/** Replaces every occurrence of the given values (case-insensitively) in a text. */
function scrubber(values: readonly (string | null)[]): (text: string) => string {
  const needles = values.filter((v): v is string => v !== null && v.length >= 3);
  if (needles.length === 0) return (text) => text;
  const pattern = new RegExp(needles.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
  return (text) => text.replace(pattern, ERASED);
}
