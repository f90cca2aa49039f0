import { DateTime } from 'luxon';
import { classifyDecline } from '../domain/declines.ts';
import type { PolicyStep } from '../domain/policy.ts';
import { contactWindowOf, decideStep } from '../domain/step-decision.ts';
import { stampPaidMessages } from '../analytics/message-payments.ts';
import { type CaseWork, addEvent, startCaseWork } from '../engine/case-work.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { toStepFacts } from '../engine/facts.ts';
import { manualRemindStepId, nextManualStepId } from '../engine/manual-steps.ts';
import { prepareMessages, sendMessages } from '../engine/message-sends.ts';
import { newId } from '../engine/ids.ts';
import { loadCaseFacts } from '../store/case-facts.ts';
import { openRecipient } from '../store/message-recipients.ts';
import { renewLeases } from '../store/scheduler.ts';
import { type Queryable, writeTransaction } from '../store/database.ts';
import type { CaseRow, MessagesTable } from '../store/tables.ts';
import { batchOutboxEvents } from '../webhooks/engine-events.ts';
import { lockCasesForEvents, writeOutboxEvents } from '../webhooks/outbox.ts';
import { type Actor, actorData } from './actor.ts';
import { CaseActionError } from './cases.ts';

/** A person may not send a case two manual reminders closer together than this. */
export const MANUAL_REMINDER_SPACING_MS = 60_000;

const DAY_MS = 86_400_000;
const LEASE_PREFIX = 'manual-remind:';
const classify = (code: string) => classifyDecline({ code }).class;

/** What a manual reminder asks for: the channel and template, and a locale other than the customer's own. */
export interface ManualReminder {
  readonly id: string;
  readonly channel: string;
  readonly template: string;
  readonly locale?: string | undefined;
  readonly actor: Actor;
  readonly now: number;
}

/** A sent (or failed) manual reminder as recorded, with its recipient masked. */
export interface ManualReminderResult {
  readonly message: MessagesTable;
  readonly recipient: string;
}

/**
 * Sends one reminder now, outside the policy's plan, through the engine's own path: the case is leased as a worker
 * leases it, the step is decided by the pure step decision (opt-outs, contact hours in the customer's zone, the
 * policy's message limits, paused cases), the message is rendered, recorded as `sending`, sent and recorded by the
 * same code a remind step runs, and the outcome goes to the timeline and the outbox. Its step is
 * `manual-remind-<n>`, so its message has its own idempotency key. Refused (409) for a closed or paused case, a
 * case a worker is working, within a minute of the last manual reminder, or whenever the engine would not send.
 */
export async function sendManualReminder(
  deps: EngineDeps,
  input: ManualReminder,
): Promise<ManualReminderResult> {
  await deps.renderer.refresh(); // a template saved a moment ago, in any process, counts
  if (!deps.renderer.list().includes(input.template)) {
    throw new CaseActionError('invalid', `no template named '${input.template}'`, 'body.template');
  }
  if (!deps.channels.has(input.channel)) {
    throw new CaseActionError('invalid', `no '${input.channel}' channel is configured`, 'body.channel');
  }
  const owner = `${LEASE_PREFIX}${newId('req')}`;
  const caseRow = await claim(deps, input, owner);
  try {
    const work = await decide(deps, caseRow, input);
    await recordIntent(deps, work, input, owner);
    await sendMessages(deps, [work], input.now);
    // The engine retries a temporary failure later; nothing retries a manual reminder, so it is a failure.
    for (const event of work.timeline) {
      if (event.type !== 'message.deferred') continue;
      event.type = 'message.failed';
      event.rule = `${event.rule?.replace(/, retrying:/, ':')}; a manual reminder is not retried`;
    }
    await recordOutcome(deps, work, input.now, owner);
    const message = work.message!;
    return { message, recipient: maskRecipient(openRecipient(deps.cipher, message)) };
  } finally {
    await release(deps.database.db, caseRow.id, owner);
  }
}

/** Leases the case as a worker would, after the checks that need no facts; returns the leased row. */
async function claim(deps: EngineDeps, input: ManualReminder, owner: string): Promise<CaseRow> {
  const wallNow = Date.now();
  return writeTransaction(deps.database, async (trx) => {
    const leased = await trx
      .updateTable('cases')
      .set({ lease_owner: owner, lease_expires_at: wallNow + deps.settings.leaseMs })
      .where('id', '=', input.id)
      .where('state', '=', 'open')
      .where('paused', '=', 0)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', wallNow)]))
      .returningAll()
      .executeTakeFirst();
    if (!leased) {
      const c = await trx
        .selectFrom('cases')
        .select(['state', 'paused', 'lease_owner'])
        .where('id', '=', input.id)
        .executeTakeFirst();
      if (!c) throw new CaseActionError('not_found', `no case '${input.id}'`);
      if (c.state !== 'open') {
        throw new CaseActionError('conflict', `the case is ${c.state}; only an open case can be reminded`);
      }
      if (c.paused === 1) throw new CaseActionError('conflict', 'the case is paused; resume it first');
      throw new CaseActionError(
        'conflict',
        c.lease_owner?.startsWith(LEASE_PREFIX)
          ? 'a reminder is being sent to this case right now'
          : 'a worker is working this case right now; try again in a few seconds',
      );
    }
    // Failed sends do not count: a reminder that never left may be tried again at once.
    const recent = await trx
      .selectFrom('messages')
      .select('created_at')
      .where('case_id', '=', input.id)
      .where('step_id', 'like', 'manual-remind-%')
      .where('status', '<>', 'failed')
      .where('created_at', '>', input.now - MANUAL_REMINDER_SPACING_MS)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (recent) {
      const seconds = Math.ceil((Number(recent.created_at) + MANUAL_REMINDER_SPACING_MS - input.now) / 1000);
      throw new CaseActionError(
        'conflict',
        `a manual reminder was sent to this case less than a minute ago; the next one is allowed in ${seconds} s`,
      );
    }
    return leased as CaseRow;
  });
}

/** Decides the ad-hoc remind step with the engine's pure decision and prepares its message. */
async function decide(deps: EngineDeps, caseRow: CaseRow, input: ManualReminder): Promise<CaseWork> {
  const db = deps.database.db;
  await deps.policies.load([caseRow.policy_version_id]);
  const policy = deps.policies.get(caseRow.policy_version_id);
  const [loaded] = await loadCaseFacts(db, [caseRow], input.now - deps.settings.lookbackDays * DAY_MS);
  const own = await db.selectFrom('messages').select('step_id').where('case_id', '=', caseRow.id).execute();
  const stepId = nextManualStepId(
    manualRemindStepId,
    own.map((m) => m.step_id),
  );
  // The locale asked for replaces the customer's own for this message only.
  const rows = input.locale
    ? { ...loaded!, customer: { ...loaded!.customer, locale: input.locale } }
    : loaded!;
  const step: PolicyStep = {
    id: stepId,
    offset: 'PT0S',
    action: 'remind',
    channel: input.channel as 'email',
    template: input.template,
  };
  const decision = decideStep(policy.policy, step, toStepFacts(rows, classify), input.now);
  if (decision.kind === 'skip') throw new CaseActionError('conflict', `not sent: ${decision.rule}`);
  if (decision.kind === 'defer') {
    const zone = rows.customer.time_zone;
    const window = contactWindowOf(policy.policy);
    const local = DateTime.fromMillis(decision.until, { zone }).toFormat('ccc yyyy-MM-dd HH:mm');
    const why = decision.rule.split(';')[0];
    throw new CaseActionError(
      'conflict',
      `not sent: ${why}; a reminder is allowed from ${local} ${zone} ` +
        `(${new Date(decision.until).toISOString()}; contact hours ${window.start}–${window.end} local time)`,
    );
  }
  const work = startCaseWork({
    rows,
    policy,
    stepId,
    policyStep: step,
    decision: {
      ...decision,
      rule: `manual reminder by ${input.actor.name}: ${input.template} by ${input.channel}`,
    },
    stepDueAt: input.now,
    attempts: [],
  });
  await prepareMessages(deps, [work], input.now, classify);
  if (!work.message) throw new Error(`manual reminder ${stepId} of case ${caseRow.id} prepared no message`);
  return work;
}

/** Records the message as `sending` and the request on the timeline before anything leaves (promise 2). */
async function recordIntent(deps: EngineDeps, work: CaseWork, input: ManualReminder, owner: string) {
  await writeTransaction(deps.database, async (trx) => {
    const held = await renewLeases(trx, owner, [work.rows.case.id], Date.now() + deps.settings.leaseMs);
    if (held.length === 0) {
      throw new CaseActionError('conflict', 'the case was taken by a worker meanwhile; try again');
    }
    const message = work.message!;
    await trx.insertInto('messages').values(message).execute();
    const requested: CaseWork = { ...work, timeline: [] };
    addEvent(requested, input.now, 'manual.remind', `reminder requested by ${input.actor.name}`, {
      by: actorData(input.actor),
      message: message.id,
      channel: message.channel,
      template: message.template,
      locale: message.locale,
    });
    await trx.insertInto('timeline_events').values(requested.timeline).execute();
  });
}

/** Records what the channel said, on the message, the timeline and the outbox, in one transaction. */
async function recordOutcome(deps: EngineDeps, work: CaseWork, now: number, owner: string) {
  const caseId = work.rows.case.id;
  await writeTransaction(deps.database, async (trx) => {
    const m = work.message!;
    await trx
      .updateTable('messages')
      .set({
        status: m.status,
        provider_id: m.provider_id,
        provider_response: m.provider_response,
        error: m.error,
        sent_at: m.sent_at,
      })
      .where('id', '=', m.id)
      .where('status', '=', 'sending')
      .execute();
    if (m.status === 'sent') await stampPaidMessages(trx, [caseId]);
    if (work.timeline.length > 0) await trx.insertInto('timeline_events').values(work.timeline).execute();
    await lockCasesForEvents(trx, [caseId]);
    await writeOutboxEvents(trx, batchOutboxEvents([work], new Set([caseId]), now));
    await release(trx, caseId, owner);
  });
}

/** Gives the case back to the workers, if this request still holds it. */
async function release(db: Queryable, caseId: string, owner: string) {
  await db
    .updateTable('cases')
    .set({ lease_owner: null, lease_expires_at: null })
    .where('id', '=', caseId)
    .where('lease_owner', '=', owner)
    .execute();
}

/** A recipient as people may see it in lists and answers: `a***@example.com`, `***67`. */
export function maskRecipient(recipient: string): string {
  const at = recipient.lastIndexOf('@');
  if (at > 0) return `${recipient[0]}***${recipient.slice(at)}`;
  return `***${recipient.slice(-2)}`;
}
