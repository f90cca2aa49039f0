/** A pending step of a case as the choice of what to run sees it. */
export interface PendingStep {
  readonly stepId: string;
  readonly action: string;
  /** When it is due now (its planned time, or later if it was deferred). */
  readonly dueAt: number;
  /** Its policy places it before the due date (a negative offset): a "due soon" reminder. */
  readonly beforeDue: boolean;
}

/** A due reminder that will not be sent: superseded by a later one (`by`), or no longer right to send (`by` null). */
export interface PassedOver {
  readonly step: PendingStep;
  readonly by: string | null;
  readonly rule: string;
}

/** Which of a case's pending steps runs now, and which due reminders are passed over for good. */
export interface DueStepChoice {
  /** The step to work now: the earliest due step left, else the next pending one; null when none is left. */
  readonly run: PendingStep | null;
  readonly passedOver: readonly PassedOver[];
}

/**
 * Chooses what a case runs at `now` when several of its steps fell due at once (a worker down for days, a case
 * opened late): of the due reminders only the latest that still applies is sent, the earlier ones are superseded
 * by it, and a reminder meant for before the due date (`dueDateAt`) is never sent once that date has come. Charge
 * and other steps keep their own rules and are never passed over. `pending` is ordered by due time, then position.
 */
export function chooseDueStep(
  pending: readonly PendingStep[],
  now: number,
  dueDateAt: number,
): DueStepChoice {
  const late = now >= dueDateAt;
  const reminders = pending.filter((s) => s.action === 'remind' && s.dueAt <= now);
  // The common case, without allocating: at most one reminder due, and it still applies.
  if (reminders.length === 0 || (reminders.length === 1 && !(late && reminders[0]!.beforeDue))) {
    return { run: pending.find((s) => s.dueAt <= now) ?? pending[0] ?? null, passedOver: [] };
  }
  const keep = reminders.findLast((s) => !(late && s.beforeDue)) ?? null;
  const passedOver: PassedOver[] = reminders
    .filter((s) => s !== keep)
    .map((step) => ({
      step,
      by: keep?.stepId ?? null,
      rule: keep
        ? `superseded by step ${keep.stepId}: only the latest of the reminders due at once is sent`
        : 'a reminder meant for before the due date is not sent after it',
    }));
  const left = pending.filter((s) => !passedOver.some((p) => p.step === s));
  return { run: left.find((s) => s.dueAt <= now) ?? left[0] ?? null, passedOver };
}
