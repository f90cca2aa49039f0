import { stampPaidMessages } from '../analytics/message-payments.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { newId } from '../engine/ids.ts';
import { toOutbound } from '../engine/message-sends.ts';
import { type Queryable, type Trx, writeTransaction } from '../store/database.ts';
import { openRecipient, sealRecipient } from '../store/message-recipients.ts';
import type { MessagesTable } from '../store/tables.ts';
import { type Actor, actorData } from './actor.ts';
import { CaseActionError } from './cases.ts';
import type { StoredMessage } from './messages.ts';

/** A person's answer about a message whose send was interrupted (`unknown`): who, which message, and when. */
export interface MessageAction {
  readonly id: string;
  readonly actor: Actor;
  readonly now: number;
}

type NewMessage = MessagesTable & { template_version: number | null };

// A customer who paid or whose case was cancelled is not reminded again, whatever became of the first send.
const CLOSED_FOR_REMINDERS = new Set(['recovered', 'cancelled']);

/**
 * Marks an `unknown` message sent, on a person's word (they found it in the mail server's log, or the customer
 * has it); its step is done. Idempotent: a sent message is returned as it is. Refused (409) in any other state.
 */
export async function markMessageSent(deps: EngineDeps, input: MessageAction): Promise<StoredMessage> {
  return writeTransaction(deps.database, async (trx) => {
    const m = await messageOf(trx, input.id);
    if (m.status === 'sent') return m;
    if (m.status !== 'unknown') throw new CaseActionError('conflict', notUnknown(m));
    // When it left is not known; when its send began is the closest the record has.
    await trx
      .updateTable('messages')
      .set({ status: 'sent', sent_at: m.created_at })
      .where('id', '=', m.id)
      .where('status', '=', 'unknown')
      .execute();
    await finishStep(trx, m);
    await trx
      .insertInto('timeline_events')
      .values(event(m, input, 'message.marked_sent', `marked sent by ${input.actor.name}`, {}))
      .execute();
    await stampPaidMessages(trx, [m.case_id]);
    return messageOf(trx, m.id);
  });
}

/**
 * Sends an `unknown` message again as a new message (new id, new intent recorded first, the same content and
 * recipient), on a person's word that the first never arrived; once it is sent the first is `resent` and the step
 * is done. Idempotent: asked again, it returns the resend that was sent and sends nothing. Refused (409) for a sent
 * message (that would send it twice), one in flight, a case that was paid or cancelled, or a channel the customer
 * opted out of. A failed resend leaves the first `unknown`, to be resent again.
 */
export async function resendMessage(deps: EngineDeps, input: MessageAction): Promise<StoredMessage> {
  type Intent = { done: StoredMessage } | { first: StoredMessage; message: NewMessage };
  const intent = await writeTransaction<Intent>(deps.database, async (trx) => {
    const m = await messageOf(trx, input.id);
    const resends = await trx
      .selectFrom('messages')
      .selectAll()
      .where('case_id', '=', m.case_id)
      .where('idempotency_key', 'like', `${m.idempotency_key}:resend-%`)
      .execute();
    const sent = resends.find((r) => r.status === 'sent');
    if (m.status === 'resent' && sent) return { done: sent };
    if (m.status === 'sent') {
      throw new CaseActionError('conflict', 'the message was sent; resending it would send it a second time');
    }
    if (m.status !== 'unknown') throw new CaseActionError('conflict', notUnknown(m));
    if (resends.some((r) => r.status === 'sending')) {
      throw new CaseActionError('conflict', 'a resend of this message is being sent right now');
    }
    await refuseClosedOrOptedOut(trx, m);
    const id = newId('msg');
    const message: NewMessage = {
      id,
      case_id: m.case_id,
      step_id: m.step_id,
      customer_id: m.customer_id,
      channel: m.channel,
      template: m.template,
      template_version: m.template_version,
      locale: m.locale,
      recipient: sealRecipient(deps.cipher, id, openRecipient(deps.cipher, m)),
      subject: m.subject,
      body_text: m.body_text,
      body_html: m.body_html,
      status: 'sending',
      idempotency_key: `${m.idempotency_key}:resend-${resends.length + 1}`,
      provider_id: null,
      provider_response: null,
      error: null,
      created_at: input.now,
      sent_at: null,
    };
    await trx.insertInto('messages').values(message).execute();
    await trx
      .insertInto('timeline_events')
      .values(
        event(
          m,
          input,
          'message.resend',
          `resend requested by ${input.actor.name}: the first send's fate is unknown`,
          {
            resend: id,
          },
        ),
      )
      .execute();
    return { first: m, message };
  });
  if ('done' in intent) return intent.done;

  const { first, message } = intent;
  const channel = deps.channels.get(message.channel);
  const result = channel
    ? await channel.send(toOutbound(deps, message.case_id, message))
    : {
        status: 'failed' as const,
        error: `no channel is configured for '${message.channel}'`,
        permanent: true,
      };
  return writeTransaction(deps.database, async (trx) => {
    if (result.status === 'sent') {
      await trx
        .updateTable('messages')
        .set({
          status: 'sent',
          provider_id: result.providerId,
          provider_response: result.response ?? null,
          sent_at: input.now,
        })
        .where('id', '=', message.id)
        .execute();
      await trx.updateTable('messages').set({ status: 'resent' }).where('id', '=', first.id).execute();
      await finishStep(trx, first);
      await stampPaidMessages(trx, [first.case_id]);
    } else {
      await trx
        .updateTable('messages')
        .set({ status: 'failed', error: result.error.slice(0, 500) })
        .where('id', '=', message.id)
        .execute();
    }
    const [type, rule] =
      result.status === 'sent'
        ? ['message.sent', `resent by ${input.actor.name}`]
        : ['message.failed', `resend failed: ${result.error.slice(0, 200)}`];
    await trx
      .insertInto('timeline_events')
      .values(event(first, input, type, rule, { resend: message.id, channel: message.channel }))
      .execute();
    return messageOf(trx, message.id);
  });
}

async function messageOf(db: Queryable, id: string): Promise<StoredMessage> {
  const m = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!m) throw new CaseActionError('not_found', `no message '${id}'`);
  return m;
}

function notUnknown(m: StoredMessage): string {
  return `the message is ${m.status}; only a message whose send was interrupted (unknown) can be resent or marked sent`;
}

async function refuseClosedOrOptedOut(trx: Trx, m: StoredMessage): Promise<void> {
  const c = await trx
    .selectFrom('cases')
    .select('state')
    .where('id', '=', m.case_id)
    .executeTakeFirstOrThrow();
  if (CLOSED_FOR_REMINDERS.has(c.state)) {
    throw new CaseActionError('conflict', `the case is ${c.state}; its customer is not reminded again`);
  }
  const customer = await trx
    .selectFrom('customers')
    .select('opted_out')
    .where('id', '=', m.customer_id)
    .executeTakeFirstOrThrow();
  const optedOut = JSON.parse(customer.opted_out) as string[];
  if (optedOut.includes(m.channel)) {
    throw new CaseActionError('conflict', `the customer opted out of ${m.channel} since`);
  }
}

/** The step the interrupted send belonged to is over once a person settled what became of it. */
async function finishStep(trx: Trx, m: StoredMessage): Promise<void> {
  await trx
    .updateTable('scheduled_steps')
    .set({ status: 'done' })
    .where('case_id', '=', m.case_id)
    .where('step_id', '=', m.step_id)
    .where('status', '=', 'unknown')
    .execute();
}

function event(
  m: StoredMessage,
  input: MessageAction,
  type: string,
  rule: string,
  data: Record<string, unknown>,
) {
  return {
    case_id: m.case_id,
    at: input.now,
    type,
    policy_version_id: null,
    step_id: m.step_id,
    rule,
    data: JSON.stringify({ message: m.id, by: actorData(input.actor), ...data }),
  };
}
