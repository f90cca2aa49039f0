import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import type { Period } from './period.ts';
import { share } from './rates.ts';
import { distinctPairs, instant, rowsOf } from './sql.ts';

/** What became of the messages of one channel and template. */
export interface MessageResponse {
  readonly channel: string;
  readonly template: string;
  /** Messages delivered to the channel (status `sent`). */
  readonly sent: number;
  /** Messages the channel refused (status `failed`). */
  readonly failed: number;
  /** Sent messages whose open pixel loaded, or a link in which was followed (emails with tracking on). */
  readonly opened: number;
  /** Sent messages a link in which was followed. */
  readonly clicked: number;
  /** opened ÷ sent; null when nothing was sent. Approximate: see `messageResponse`. */
  readonly openRate: number | null;
  /** clicked ÷ sent; null when nothing was sent. */
  readonly clickRate: number | null;
  /** Sent messages after which a payment on the same case was received within 72 hours. */
  readonly paidWithin72h: number;
  /** paidWithin72h ÷ sent; null when nothing was sent. */
  readonly paidWithin72hRate: number | null;
}

/**
 * Messages created in `period` per channel and template: how many were sent or failed, opened or clicked, and
 * how many were followed by a payment on their case within 72 hours of being sent. Counts are index range counts
 * per (channel, template): sent and failed in `messages_template_status`; opened, clicked and paid in the partial
 * indexes `messages_opened`, `messages_clicked` and `messages_paid`, which hold only the rows they count. "Paid"
 * is the stamp the payment's transaction left on the message (message-payments.ts).
 *
 * Opens are approximate: mail apps that block images hide them, and privacy proxies that fetch every image on
 * delivery report opens nobody made. Messages sent with tracking off, or on channels without it, are never opened.
 */
export async function messageResponse(db: Db, period: Period): Promise<MessageResponse[]> {
  const from = instant(period.from);
  const to = instant(period.to);
  const count = (status: string) => sql<number>`(select count(*) from messages m
    where m.channel = k.a and m.template = k.b and m.status = ${sql.lit(status)}
      and m.created_at >= ${from} and m.created_at < ${to})`;
  // `… is not null` is what lets both databases use the partial indexes of migrations 011 and 015.
  const countStamped = (
    column: 'opened_at' | 'clicked_at' | 'paid_at',
  ) => sql<number>`(select count(*) from messages m
    where m.channel = k.a and m.template = k.b and m.status = 'sent' and ${sql.ref(`m.${column}`)} is not null
      and m.created_at >= ${from} and m.created_at < ${to})`;
  const counts = await rowsOf(
    db,
    sql<{
      channel: string;
      template: string;
      sent: number;
      failed: number;
      opened: number;
      clicked: number;
      paid: number;
    }>`
    with recursive ${distinctPairs('k', 'messages', 'channel', 'template')}
    select k.a as channel, k.b as template, ${count('sent')} as sent, ${count('failed')} as failed,
      ${countStamped('opened_at')} as opened, ${countStamped('clicked_at')} as clicked,
      ${countStamped('paid_at')} as paid
    from k where k.a is not null`,
  );
  return counts
    .map((r) => {
      const sent = Number(r.sent);
      const answered = Number(r.paid);
      const opened = Number(r.opened);
      const clicked = Number(r.clicked);
      return {
        channel: r.channel,
        template: r.template,
        sent,
        failed: Number(r.failed),
        opened,
        clicked,
        openRate: share(opened, sent),
        clickRate: share(clicked, sent),
        paidWithin72h: answered,
        paidWithin72hRate: share(answered, sent),
      };
    })
    .filter((r) => r.sent + r.failed > 0)
    .sort((a, b) => a.channel.localeCompare(b.channel) || a.template.localeCompare(b.template));
}
