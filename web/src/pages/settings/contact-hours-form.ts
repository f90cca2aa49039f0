import { ApiProblem } from '../../api/client.ts';
import type { paths } from '../../api/schema.ts';

/** A policy version with its document, as the API returns it. */
export type PolicyVersion =
  paths['/v1/policy-versions/{id}']['get']['responses']['200']['content']['application/json'];
type Document = PolicyVersion['document'];

/** The days of the week as the policy numbers them (ISO: Monday is 1). */
export const WEEKDAYS: readonly { value: number; short: string; long: string }[] = [
  { value: 1, short: 'Mon', long: 'Monday' },
  { value: 2, short: 'Tue', long: 'Tuesday' },
  { value: 3, short: 'Wed', long: 'Wednesday' },
  { value: 4, short: 'Thu', long: 'Thursday' },
  { value: 5, short: 'Fri', long: 'Friday' },
  { value: 6, short: 'Sat', long: 'Saturday' },
  { value: 7, short: 'Sun', long: 'Sunday' },
];

// The engine's defaults when a policy is silent (src/domain/contact-hours.ts, src/domain/step-decision.ts).
const DEFAULT_HOURS = { start: '08:00', end: '21:00' };
const DEFAULT_LIMITS = { maxMessages: 7, periodDays: 7 };

/** The modal's fields as typed; numbers may be empty while being edited. */
export interface HoursDraft {
  readonly start: string;
  readonly end: string;
  readonly weekdays: readonly number[];
  readonly maxMessages: number | '';
  readonly periodDays: number | '';
}

/** The fields filled from a policy, or from the engine's defaults where it sets none. */
export function toHoursDraft(document: Document): HoursDraft {
  const hours = document.contactHours;
  const limits = document.messageLimits ?? DEFAULT_LIMITS;
  return {
    start: hours?.start ?? DEFAULT_HOURS.start,
    end: hours?.end ?? DEFAULT_HOURS.end,
    weekdays: hours?.weekdays?.length ? [...hours.weekdays] : WEEKDAYS.map((d) => d.value),
    maxMessages: limits.maxMessages,
    periodDays: limits.periodDays,
  };
}

/**
 * The policy document with the edited hours and limit and everything else as it was. Every day ticked is written
 * as no weekday list ("every day"); none ticked is sent as an empty list, for the server to name the field.
 */
export function withHours(document: Document, draft: HoursDraft): Document {
  const weekdays = [...draft.weekdays].sort((a, b) => a - b);
  return {
    ...document,
    contactHours: {
      start: draft.start,
      end: draft.end,
      ...(weekdays.length === WEEKDAYS.length ? {} : { weekdays }),
    },
    messageLimits: {
      maxMessages: draft.maxMessages === '' ? 0 : draft.maxMessages,
      periodDays: draft.periodDays === '' ? 0 : draft.periodDays,
    },
  };
}

/** Where each field's errors sit in the applied document (`body.source.contactHours.end`). */
export const HOURS_FIELDS: Record<keyof HoursDraft, string> = {
  start: 'contactHours.start',
  end: 'contactHours.end',
  weekdays: 'contactHours.weekdays',
  maxMessages: 'messageLimits.maxMessages',
  periodDays: 'messageLimits.periodDays',
};

/** The server's reason for one field of a refused policy, weekday list items included. */
export function hoursFieldError(error: unknown, field: keyof HoursDraft): string | undefined {
  if (!(error instanceof ApiProblem)) return undefined;
  const path = `body.source.${HOURS_FIELDS[field]}`;
  const at = (f: string) => f === path || f.startsWith(`${path}[`) || f.startsWith(`${path}.`);
  return error.errors.find((e) => at(e.field))?.reason;
}

/** Errors that no field of the modal shows (the summary line, or a problem elsewhere in the policy). */
export function otherErrors(error: unknown): string[] {
  if (!error) return [];
  if (!(error instanceof ApiProblem)) return [(error as Error).message];
  if (error.status === 403) return ['Your role does not allow changing policies.'];
  const placed = Object.values(HOURS_FIELDS).map((f) => `body.source.${f}`);
  const rest = error.errors.filter(
    (e) => e.field !== 'body.source' && !placed.some((p) => e.field === p || e.field.startsWith(p)),
  );
  if (rest.length > 0) return rest.map((e) => `${e.field.replace(/^body\.source\.?/, '')}: ${e.reason}`);
  return error.errors.length === 0 ? [error.message] : [];
}
