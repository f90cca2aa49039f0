import type { ImportProblem } from '../../import/errors.ts';
import type { ImportRow } from '../../import/kinds/row-spec.ts';
import type { Planner } from '../../import/plan.ts';
import type { FieldCipher } from '../../security/field-cipher.ts';
import type { TimeZoneSettings } from '../../domain/synced-time-zone.ts';
import type { Trx } from '../../store/database.ts';
import type { NewTimelineEvent } from '../../store/tables.ts';
import type { InboundEvent } from './changes.ts';
import { WebhookRejectedError } from './errors.ts';

/** Everything applying one event's change needs, inside the event's transaction. */
export interface ApplyContext {
  readonly trx: Trx;
  readonly event: InboundEvent;
  readonly now: number;
  readonly cipher: FieldCipher;
  /** Row locks where the engine writes too (PostgreSQL); SQLite's single writer makes them moot. */
  readonly lock: boolean;
  /** The name the sender knows a Recoup column by: `data.total` in the generic contract, Stripe's own names. */
  readonly field: (column: string) => string;
  /** How a customer's time zone is chosen when the sender states none. */
  readonly timeZones: TimeZoneSettings;
}

/** What applying a change did: `applied`, or nothing at all and why. */
export type ApplyOutcome = { readonly applied: true } | { readonly applied: false; readonly reason: string };

export const APPLIED: ApplyOutcome = { applied: true };

/** An outcome that changed nothing, with the reason recorded on the event. */
export function ignored(reason: string): ApplyOutcome {
  return { applied: false, reason };
}

/**
 * Runs an import planner over one row and writes its plan, so webhook data takes the same validated write path as
 * an imported file. A problem the planner finds (an invoice changing currency) refuses the whole event;
 * `beforeChange` runs only when the row is new or differs, ahead of the write.
 */
export async function writeThroughPlanner<F>(
  ctx: ApplyContext,
  planner: Planner<F>,
  row: Omit<ImportRow<F>, 'line'>,
  beforeChange?: () => Promise<void>,
): Promise<{ changed: boolean }> {
  const plan = await planner(ctx.trx, [{ line: 0, ...row }], {
    now: ctx.now,
    lock: ctx.lock,
    cipher: ctx.cipher,
    attributeFailures: ctx.event.source !== 'stripe',
  });
  if (plan.problems.length > 0) throw conflict(ctx, plan.problems);
  const changed = plan.inserted + plan.updated > 0;
  if (changed) await beforeChange?.();
  await plan.write(ctx.trx);
  return { changed };
}

function conflict(ctx: ApplyContext, problems: readonly ImportProblem[]): WebhookRejectedError {
  const errors = problems.map((p) => ({ field: ctx.field(p.column), reason: p.message }));
  return new WebhookRejectedError(
    'conflict',
    errors.map((e) => `${e.field}: ${e.reason}`).join('\n'),
    errors,
  );
}

/** A refusal naming one field, for a change that cannot apply to what Recoup holds. */
export function conflictOn(ctx: ApplyContext, column: string, reason: string): WebhookRejectedError {
  const field = ctx.field(column);
  return new WebhookRejectedError('conflict', `${field}: ${reason}`, [{ field, reason }]);
}

/** A timeline event on a case saying which inbound event caused what follows. */
export function inboundTimelineEvent(
  ctx: ApplyContext,
  on: { readonly id: string; readonly policy_version_id: string },
  type: string,
  rule: string,
  data: Record<string, unknown>,
): NewTimelineEvent {
  return {
    case_id: on.id,
    at: ctx.now,
    type,
    policy_version_id: on.policy_version_id,
    step_id: null,
    rule,
    data: JSON.stringify({ source: ctx.event.source, event: ctx.event.id, type: ctx.event.type, ...data }),
  };
}

/** How a timeline names the event: `Stripe event evt_1 (invoice.paid)`. */
export function describeEvent(ctx: ApplyContext): string {
  const who = ctx.event.source === 'stripe' ? 'Stripe' : 'billing system';
  return `${who} event ${ctx.event.id} (${ctx.event.type})`;
}
