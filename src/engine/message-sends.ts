import type { Channel, OutboundMessage } from '../channels/channel.ts';
import { addEmailTracking, messageTracking } from '../channels/email/tracking.ts';
import type { TemplateContext } from '../channels/templates/renderer.ts';
import type { DeclineClass } from '../domain/declines.ts';
import { groupBy } from '../domain/group-by.ts';
import { trackingSignerFor } from '../security/tracking-tokens.ts';
import { openEmail } from '../store/customer-contacts.ts';
import { openRecipient, sealRecipient } from '../store/message-recipients.ts';
import type { MessagesTable } from '../store/tables.ts';
import { type CaseWork, addEvent, failWork } from './case-work.ts';
import type { EngineDeps } from './deps.ts';
import { lastDeclineClassOf } from './facts.ts';
import { messageKey, newId } from './ids.ts';
import { type BatchLease, recordMessageIntents } from './message-intents.ts';

const TRANSIENT_RETRY_MS = 30 * 60_000;
const DAY_MS = 86_400_000;

/**
 * Prepares each step's message. A message already recorded for the step is never sent twice: `sent` completes the
 * step; `sending` (a crash between send and record) is settled by its channel where it can tell (sent, or sent
 * again under its id when it never left) and is `unknown` otherwise; a recorded failure is resent.
 */
export async function prepareMessages(
  deps: EngineDeps,
  works: readonly CaseWork[],
  now: number,
  classify: (code: string) => DeclineClass,
): Promise<void> {
  // Saved templates are checked for changes once per batch, not per message (see TemplateOverrides for why).
  if (works.some((w) => w.decision.kind === 'act' && w.policyStep.action === 'remind')) {
    await deps.renderer.refresh();
  }
  for (const work of works) {
    const step = work.policyStep;
    if (work.decision.kind !== 'act' || work.stepStatus !== 'pending') continue;
    if (step.action !== 'remind' && step.action !== 'webhook') continue;
    const key = messageKey(work.rows.case.id, work.stepId);
    const existing = work.rows.messages.find((m) => m.idempotency_key === key);
    if (existing?.status === 'sent') {
      work.stepStatus = 'done';
      continue;
    }
    const channel = step.action === 'remind' ? step.channel : 'webhook';
    if (existing?.status === 'sending' || existing?.status === 'unknown') {
      const left = (await deps.channels.get(channel)?.wasSent?.(existing.id)) ?? null;
      if (left !== false) {
        resolveInterrupted(work, existing.id, channel, left === true, now);
        continue;
      }
      // The channel says it never left: sent again below under the same id, which the channel keeps unique.
    }
    // Decrypted only here, for the customers a message goes to: most steps of a batch never need the address.
    const email = step.action === 'remind' ? openEmail(deps.cipher, work.rows.customer) : null;
    const content =
      step.action === 'remind'
        ? await renderReminder(deps, work, step.template, email, now, classify)
        : webhookPayload(work, now);
    const id = existing?.id ?? newId('msg');
    work.message = {
      id,
      case_id: work.rows.case.id,
      step_id: work.stepId,
      customer_id: work.rows.customer.id,
      channel,
      template: step.action === 'remind' ? step.template : 'webhook',
      template_version: content.version,
      locale: content.locale,
      recipient: sealRecipient(deps.cipher, id, step.action === 'remind' ? (email ?? '') : step.url),
      subject: content.subject,
      body_text: content.text,
      body_html: content.html,
      status: 'sending',
      idempotency_key: key,
      provider_id: null,
      provider_response: null,
      error: null,
      created_at: now,
      sent_at: null,
    };
    work.messageMode = existing ? 'resend' : 'insert';
  }
}

/**
 * A message an earlier run left `sending`: sent when its channel saw it leave, else `unknown` for a person to resend
 * or mark sent (`recoup messages list --status unknown`); either way the step is over and nothing is sent again.
 */
function resolveInterrupted(work: CaseWork, id: string, channel: string, left: boolean, now: number): void {
  work.stepStatus = left ? 'done' : 'unknown';
  work.resolvedMessage = { id, status: left ? 'sent' : 'unknown', sent_at: left ? now : null };
  if (left) {
    addEvent(work, now, 'message.sent', `an interrupted send was found delivered by the ${channel} channel`, {
      message: id,
      channel,
      recovered: true,
    });
  } else {
    addEvent(work, now, 'message.unknown', 'a send was interrupted before it was recorded; not sent again', {
      message: id,
    });
  }
}

/**
 * Sends the prepared messages through their channels and applies each outcome to its step. With the batch's
 * `lease`, the messages go in groups of their channel's concurrency and each group's intents are committed just
 * before it is handed over (a message whose case was lost meanwhile is not sent); without it, the caller recorded
 * the intents.
 */
export async function sendMessages(
  deps: EngineDeps,
  works: readonly CaseWork[],
  now: number,
  lease?: BatchLease,
): Promise<void> {
  const byChannel = groupBy(
    works.filter((w) => w.message?.status === 'sending'),
    (w) => w.message!.channel,
  );
  await Promise.all(
    [...byChannel].map(async ([name, sending]) => {
      const channel = deps.channels.get(name);
      if (!channel) {
        for (const work of sending) withdraw(work, new Error(`no channel is configured for '${name}'`));
        return;
      }
      const limit = Math.max(1, channel.concurrency ?? deps.settings.gatewayConcurrency);
      for (let i = 0; i < sending.length; i += limit) {
        let group = sending.slice(i, i + limit);
        if (lease) {
          const held = await recordIntentsIsolated(deps, group, lease);
          for (const w of group) if (!held.has(w.rows.case.id)) w.message = null;
          group = group.filter((w) => w.message);
        }
        await Promise.all(
          group.map((work) =>
            // Its intent is committed: the message stays `sending`, and the case's next run asks the channel.
            sendOne(deps, channel, work, now).catch((error: unknown) => failWork(work, error)),
          ),
        );
      }
    }),
  );
}

/** A message that will not be sent this time: its case fails alone (retried later, or parked). */
function withdraw(work: CaseWork, error: unknown): void {
  work.message = null;
  failWork(work, error);
}

/** recordMessageIntents, with each case recorded alone when the group's transaction fails (it is rolled back whole). */
async function recordIntentsIsolated(
  deps: EngineDeps,
  group: readonly CaseWork[],
  lease: BatchLease,
): Promise<Set<string>> {
  try {
    return await recordMessageIntents(deps.database, group, lease);
  } catch {
    const held = new Set<string>();
    for (const work of group) {
      try {
        for (const id of await recordMessageIntents(deps.database, [work], lease)) held.add(id);
      } catch (error) {
        withdraw(work, error);
      }
    }
    return held;
  }
}

async function sendOne(deps: EngineDeps, channel: Channel, work: CaseWork, now: number): Promise<void> {
  const message = work.message!;
  const result = await channel.send(toOutbound(deps, work.rows.case.id, message));
  if (result.status === 'sent') {
    Object.assign(message, {
      status: 'sent',
      provider_id: result.providerId,
      provider_response: result.response ?? null,
      sent_at: now,
    });
    work.stepStatus = 'done';
    addEvent(work, now, 'message.sent', work.decision.rule, {
      message: message.id,
      channel: message.channel,
      template: message.template,
      locale: message.locale,
    });
    return;
  }
  Object.assign(message, { status: 'failed', error: result.error.slice(0, 500) });
  if (result.permanent) {
    work.stepStatus = 'failed';
    addEvent(work, now, 'message.failed', `permanent failure: ${result.error.slice(0, 200)}`, {
      message: message.id,
    });
  } else {
    work.stepDueAt = now + TRANSIENT_RETRY_MS;
    addEvent(work, now, 'message.deferred', `temporary failure, retrying: ${result.error.slice(0, 200)}`, {
      message: message.id,
    });
  }
}

/** The message as its channel takes it: the stored row, with tracking and the case's unsubscribe link added. */
export function toOutbound(deps: EngineDeps, caseId: string, m: MessagesTable): OutboundMessage {
  const unsubscribe = unsubscribeLink(deps, caseId);
  return {
    id: m.id,
    idempotencyKey: m.idempotency_key,
    channel: m.channel,
    to: openRecipient(deps.cipher, m),
    subject: m.subject,
    text: m.body_text,
    html:
      m.channel === 'email' && m.body_html !== null
        ? trackedHtml(deps, m.id, m.body_html, unsubscribe)
        : m.body_html,
    headers: m.channel === 'email' ? { 'List-Unsubscribe-Link': unsubscribe } : {},
  };
}

/**
 * The HTML that leaves, with an open pixel and click-tracked links when tracking is on. The message row keeps the
 * HTML as rendered, so showing a stored message (in the dashboard or the API) never counts as an open; the tokens
 * depend only on the message id and the URL, so a resent message carries the same tracking URLs.
 */
function trackedHtml(deps: EngineDeps, id: string, html: string, unsubscribe: string): string {
  if (!deps.settings.emailTracking) return html;
  const signer = trackingSignerFor(deps.cipher.keyring);
  return addEmailTracking(html, messageTracking(deps.settings.publicUrl, id, signer, [unsubscribe]));
}

async function renderReminder(
  deps: EngineDeps,
  work: CaseWork,
  template: string,
  email: string | null,
  now: number,
  classify: (code: string) => DeclineClass,
) {
  const { customer, openInvoices, case: c } = work.rows;
  const oldestDue = openInvoices[0]?.due_at ?? now;
  const context: TemplateContext = {
    business: deps.settings.business,
    customer: { name: customer.name, email },
    amountDue: { amount: work.amountDue, currency: c.currency },
    invoices: openInvoices.map((i) => ({
      number: i.number,
      amount: i.total - i.amount_paid,
      currency: i.currency,
      dueAt: i.due_at,
    })),
    payLink: `${deps.settings.payLinkBase}/${c.id}`,
    updatePaymentLink: `${deps.settings.payLinkBase}/${c.id}/payment-method`,
    unsubscribeLink: unsubscribeLink(deps, c.id),
    declineClass: lastDeclineClassOf(work.rows, classify),
    daysOverdue: Math.max(0, Math.floor((now - oldestDue) / DAY_MS)),
  };
  return deps.renderer.render(template, customer.locale, context, customer.time_zone);
}

function webhookPayload(work: CaseWork, now: number) {
  const body = {
    type: 'case.step',
    case_id: work.rows.case.id,
    step_id: work.stepId,
    customer_id: work.rows.customer.id,
    amount_due: work.amountDue,
    currency: work.rows.case.currency,
    policy_version_id: work.rows.case.policy_version_id,
    at: new Date(now).toISOString(),
  };
  return { subject: 'case.step', text: JSON.stringify(body), html: null, locale: 'en', version: null };
}

function unsubscribeLink(deps: EngineDeps, caseId: string): string {
  return `${deps.settings.payLinkBase}/${caseId}/unsubscribe`;
}
