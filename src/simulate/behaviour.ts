import type { DeclineClass } from '../domain/declines.ts';
import type { Segment } from './population.ts';
import type { Random } from './random.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** What a customer does: a card customer adds a working card, a B2B customer pays through the portal. */
export type CustomerAction = 'add_card' | 'pay';

/** A reminder as the customer receives it. */
export interface ReceivedReminder {
  readonly segment: Segment;
  readonly template: string;
  /** The class of the failure that opened the case; null for invoices that nothing tried to charge. */
  readonly declineClass: DeclineClass | null;
  readonly sentAt: number;
}

/** A customer's reply to a reminder: what they do and when. */
export interface Reply {
  readonly action: CustomerAction;
  readonly at: number;
}

// After Baremetrics' figures per email (13.25% on the failure day, 11.5% on days 3 and 7, 4.2% from day 15),
// discounted a little because here retries recover some of the money those figures count.
const REPLY_RATE_BY_TEMPLATE: Readonly<Record<string, number>> = {
  'payment-failed': 0.12,
  'payment-retry-reminder': 0.1,
  'payment-urgent': 0.08,
  'payment-final-notice': 0.04,
  'invoice-upcoming': 0.04,
  'invoice-due': 0.12,
  'invoice-overdue': 0.12,
  'invoice-overdue-firm': 0.1,
  'invoice-final-notice': 0.08,
};
const UNKNOWN_TEMPLATE_RATE = 0.04;
// A customer whose card merely lacked funds this week has less reason to change it than one whose card is dead.
const SOFT_DECLINE_FACTOR = 0.35;
const MAX_REPLY_DELAY_MINUTES = 48 * 60;
// B2B customers who pay on their own, before or near the due date, without needing a reminder.
const OWN_PAYMENT_SHARE = 0.6;

/** The chance that a reminder makes the customer act. */
export function replyRate(reminder: Omit<ReceivedReminder, 'sentAt'>): number {
  const base = REPLY_RATE_BY_TEMPLATE[reminder.template] ?? UNKNOWN_TEMPLATE_RATE;
  return reminder.segment === 'card' && reminder.declineClass === 'soft' ? base * SOFT_DECLINE_FACTOR : base;
}

/** Whether and when a customer acts on a reminder: within 48 hours of it, or not at all. */
export function replyTo(random: Random, reminder: ReceivedReminder): Reply | null {
  if (!random.chance(replyRate(reminder))) return null;
  // At least a minute later: nobody acts in the instant an email is written.
  const at = reminder.sentAt + random.int(1, MAX_REPLY_DELAY_MINUTES) * MINUTE;
  return { action: reminder.segment === 'b2b' ? 'pay' : 'add_card', at };
}

// The demo's own assumptions, not published figures: about a third of reminders are seen (image blocking and
// privacy proxies make any real open rate approximate), and few people follow a link they do not act on.
const OPEN_SHARE = 0.3;
const IDLE_CLICK_SHARE = 0.05;

/** When a reminder was opened and its link followed, as its tracking pixel and click redirect would record them. */
export interface Reading {
  readonly openedAt: number | null;
  readonly clickedAt: number | null;
}

/**
 * How a customer reads a reminder: one who acts on it opened it and followed its link to do so; of the others, some
 * open it within a day and a few of those click without going on to act.
 */
export function readingOf(random: Random, sentAt: number, reply: Reply | null): Reading {
  if (reply) {
    const openedAt = sentAt + random.int(1, Math.max(1, (reply.at - sentAt) / MINUTE)) * MINUTE;
    return { openedAt: Math.min(openedAt, reply.at), clickedAt: reply.at };
  }
  if (!random.chance(OPEN_SHARE)) return { openedAt: null, clickedAt: null };
  const openedAt = sentAt + random.int(1, 24 * 60) * MINUTE;
  const clickedAt = random.chance(IDLE_CLICK_SHARE) ? openedAt + random.int(0, 30) * MINUTE : null;
  return { openedAt, clickedAt };
}

/** When a B2B customer pays an invoice unprompted (10 days before to 3 days after it is due), or null if not. */
export function ownPaymentAt(random: Random, invoice: { issuedAt: number; dueAt: number }): number | null {
  if (!random.chance(OWN_PAYMENT_SHARE)) return null;
  const at = invoice.dueAt + random.int(-10 * 24, 3 * 24) * HOUR + random.int(0, 59) * MINUTE;
  return Math.max(at, invoice.issuedAt + HOUR);
}
