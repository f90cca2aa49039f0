import type { CaseWork } from '../engine/case-work.ts';
import type { NewOutboxEvent } from '../store/schema/webhooks.ts';
import type { EventData } from './events.ts';
import { type EventSubject, outboxEvent } from './outbox.ts';

type DeclineClass = EventData<'payment.failed'>['decline_class'];

/**
 * The outbox events of a batch's recorded outcomes, read off each case's timeline so that they say exactly what
 * the timeline says, in the same order. Cases the worker no longer leases had nothing recorded but the message it
 * sent, which is a fact about the world and is announced all the same.
 */
export function batchOutboxEvents(
  works: readonly CaseWork[],
  owned: ReadonlySet<string>,
  now: number,
): NewOutboxEvent[] {
  const events: NewOutboxEvent[] = [];
  for (const w of works) {
    const c = w.rows.case;
    const subject: EventSubject = { caseId: c.id, customerId: c.customer_id };
    if (!owned.has(c.id)) {
      if (w.message?.status === 'sent') events.push(messageSent(w, subject, now));
      continue;
    }
    for (const t of w.timeline) {
      switch (t.type) {
        case 'attempt.succeeded':
        case 'attempt.failed': {
          const a = w.outcomeAttempts.get(t);
          if (!a) break;
          if (a.status === 'succeeded') {
            const paid = w.payments.find((p) => p.attemptId === a.id);
            const invoice = w.rows.openInvoices.find((i) => i.id === a.invoice_id);
            events.push(
              outboxEvent('payment.succeeded', now, subject, {
                amount: paid?.amount ?? a.amount,
                currency: a.currency,
                source: 'retry',
                attempt_id: a.id,
                payment_method_id: a.payment_method_id,
                step_id: a.step_id,
                invoice_id: a.invoice_id,
                invoice_external_id: invoice?.external_id ?? null,
                reference: a.charge_id,
              }),
            );
          } else {
            events.push(
              outboxEvent('payment.failed', now, subject, {
                amount: a.amount,
                currency: a.currency,
                attempt_id: a.id,
                payment_method_id: a.payment_method_id,
                step_id: w.stepId,
                decline_code: a.decline_code,
                decline_class: a.decline_class as DeclineClass,
                network_decline_code: a.network_decline_code,
                network_advice_code: a.network_advice_code,
                method_stopped: a.stop_method === 1,
              }),
            );
          }
          break;
        }
        case 'message.sent':
          if (w.message) events.push(messageSent(w, subject, now));
          break;
        case 'message.failed':
          if (w.message)
            events.push(
              outboxEvent('message.failed', now, subject, {
                message_id: w.message.id,
                step_id: w.stepId,
                channel: w.message.channel,
                template: w.message.template,
              }),
            );
          break;
        case 'case.escalated': {
          const queue = (JSON.parse(t.data ?? '{}') as { queue?: string }).queue ?? 'collections';
          events.push(outboxEvent('case.escalated', now, subject, { queue, step_id: w.stepId }));
          break;
        }
        case 'case.cancelled':
          events.push(
            outboxEvent('case.cancelled', now, subject, {
              currency: c.currency,
              reason: 'policy',
              step_id: w.stepId,
            }),
          );
          break;
        case 'case.recovered':
        case 'case.exhausted':
          events.push(
            outboxEvent(t.type, now, subject, {
              currency: c.currency,
              amount_failed: c.amount_failed,
              amount_recovered: c.amount_recovered + w.payments.reduce((sum, p) => sum + p.amount, 0),
            }),
          );
          break;
      }
    }
  }
  return events;
}

function messageSent(w: CaseWork, subject: EventSubject, now: number): NewOutboxEvent {
  const m = w.message!;
  return outboxEvent('message.sent', now, subject, {
    message_id: m.id,
    step_id: w.stepId,
    channel: m.channel,
    template: m.template,
    locale: m.locale,
  });
}
