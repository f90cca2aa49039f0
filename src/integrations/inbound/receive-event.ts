import { sql } from 'kysely';
import { writeTransaction } from '../../store/database.ts';
import { type ApplyContext, type ApplyOutcome, ignored } from './apply-context.ts';
import { applyCustomer } from './apply-customer.ts';
import { applyDispute } from './apply-dispute.ts';
import { applyInvoice } from './apply-invoice.ts';
import { applyPaymentMethod } from './apply-payment-method.ts';
import type { InboundChange, InboundEvent } from './changes.ts';
import type { WebhookContext, WebhookResult } from './context.ts';
import { WebhookRejectedError } from './errors.ts';

const DEFAULT_TIME_ZONES = { metadataKeys: ['time_zone', 'timezone', 'tz'], fallback: 'UTC' } as const;

// Serialises inbound events on PostgreSQL (SQLite has one writer anyway): they are few, and one at a time the
// ordering checks and provisional customers cannot race. Distinct from the engine's case-opening lock.
const INBOUND_LOCK = 7243002;

/**
 * Applies a verified event exactly once. The dedup row and every write the event causes commit in one
 * transaction: a crash leaves the event neither half-applied nor applied-but-unrecorded, and a replay of its id
 * finds the row and writes nothing. A refused event rolls back whole and stays unrecorded, so it can come again.
 */
export async function receiveEvent(
  ctx: WebhookContext,
  event: InboundEvent,
  now: number,
  field: (column: string) => string,
): Promise<WebhookResult> {
  const { database } = ctx;
  const base = { eventId: event.id, type: event.type };
  const result = await writeTransaction(database, async (trx): Promise<WebhookResult> => {
    if (database.dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(${INBOUND_LOCK})`.execute(trx);
    const fresh = await trx
      .insertInto('inbound_events')
      .values({
        source: event.source,
        event_id: event.id,
        type: event.type,
        created_at: event.created,
        received_at: now,
        applied_at: null,
        result: 'ignored',
        detail: null,
      })
      .onConflict((oc) => oc.columns(['source', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!fresh) return { status: 'duplicate' as const, ...base };
    const ctxApply: ApplyContext = {
      trx,
      event,
      now,
      cipher: ctx.cipher,
      lock: database.dialect === 'postgres',
      field,
      timeZones: ctx.timeZones ?? DEFAULT_TIME_ZONES,
    };
    const outcome = event.change
      ? await apply(ctxApply, event.change)
      : ignored(event.ignoreReason ?? 'nothing to do');
    await trx
      .updateTable('inbound_events')
      .set(
        outcome.applied
          ? { result: 'applied', applied_at: now }
          : { result: 'ignored', detail: outcome.reason.slice(0, 500) },
      )
      .where('source', '=', event.source)
      .where('event_id', '=', event.id)
      .execute();
    return outcome.applied
      ? { status: 'applied' as const, ...base }
      : { status: 'ignored' as const, ...base, reason: outcome.reason };
  });
  ctx.logger.info({ source: event.source, ...base, status: result.status }, 'inbound event');
  return result;
}

/** Runs a handler, logging a refusal's reason (never the body or the signature) before it propagates. */
export async function loggingRejections<T>(
  ctx: WebhookContext,
  source: InboundEvent['source'],
  handle: () => Promise<T>,
): Promise<T> {
  try {
    return await handle();
  } catch (error) {
    if (error instanceof WebhookRejectedError)
      ctx.logger.warn({ source, reason: error.reason, status: error.status }, 'inbound webhook refused');
    throw error;
  }
}

function apply(ctx: ApplyContext, change: InboundChange): Promise<ApplyOutcome> {
  switch (change.kind) {
    case 'customer':
      return applyCustomer(ctx, change);
    case 'payment_method':
      return applyPaymentMethod(ctx, change);
    case 'invoice':
      return applyInvoice(ctx, change);
    case 'dispute':
      return applyDispute(ctx, change);
  }
}
