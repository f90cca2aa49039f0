import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import type { Period } from './period.ts';
import { share } from './rates.ts';
import { distinctPairs, instant, rowsOf } from './sql.ts';

/** How long after a message a payment on its case still counts as a response to it. */
export const RESPONSE_WINDOW_MS = 72 * 3_600_000;

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
 * per (channel, template): sent and failed in `messages_template_status`, opened and clicked in the partial
 * indexes `messages_opened` and `messages_clicked`, which hold only the rows they count. "Paid within 72 hours"
 * starts from the payments received on cases (fewer than messages) and finds the sent messages of each payment's
 * case in the 72 hours before it.
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
  // `… is not null` is what lets both databases use the partial indexes of migration 011.
  const countStamped = (column: 'opened_at' | 'clicked_at') => sql<number>`(select count(*) from messages m
    where m.channel = k.a and m.template = k.b and m.status = 'sent' and ${sql.ref(`m.${column}`)} is not null
      and m.created_at >= ${from} and m.created_at < ${to})`;
  const window = sql.lit(RESPONSE_WINDOW_MS);
  const [counts, paid] = await Promise.all([
    rowsOf(
      db,
      sql<{
        channel: string;
        template: string;
        sent: number;
        failed: number;
        opened: number;
        clicked: number;
      }>`
      with recursive ${distinctPairs('k', 'messages', 'channel', 'template')}
      select k.a as channel, k.b as template, ${count('sent')} as sent, ${count('failed')} as failed,
        ${countStamped('opened_at')} as opened, ${countStamped('clicked_at')} as clicked
      from k where k.a is not null`,
    ),
    // The engine stamps sent_at in the tick that creates the message, so every payment that can answer a message
    // of the period arrives before the period's end plus the window.
    rowsOf(
      db,
      sql<{ channel: string; template: string; paid: number }>`
      select m.channel, m.template, count(distinct m.id) as paid
      from payments p
      join messages m on m.case_id = p.case_id and m.status = 'sent'
        and m.sent_at <= p.received_at and m.sent_at > p.received_at - ${window}
        and m.created_at >= ${from} and m.created_at < ${to}
      where p.case_id is not null and p.received_at >= ${from} and p.received_at < ${to} + ${window}
      group by m.channel, m.template`,
    ),
  ]);
  const paidBy = new Map(paid.map((r) => [`${r.channel}\u0000${r.template}`, Number(r.paid)]));
  return counts
    .map((r) => {
      const sent = Number(r.sent);
      const answered = paidBy.get(`${r.channel}\u0000${r.template}`) ?? 0;
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
