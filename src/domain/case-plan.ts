import { applyOffset } from './duration.ts';
import type { CompiledPolicy, PolicyStep } from './policy.ts';

/** A step of a case's plan, fixed when the case opens from the policy version it runs. */
export interface PlannedStep {
  readonly stepId: string;
  readonly position: number;
  readonly action: PolicyStep['action'];
  readonly dueAt: number;
  readonly status: 'pending' | 'skipped';
  readonly rule: string | null;
}

/**
 * Lays a policy's steps out in time from the case's anchor. Steps whose time passed before the case opened are
 * skipped, except those at the latest past time: a late import still gets one contact, never a burst of them.
 */
export function planCase(compiled: CompiledPolicy, anchorAt: number, openedAt: number): PlannedStep[] {
  const timed = compiled.policy.steps.map((step, position) => ({
    step,
    position,
    dueAt: applyOffset(anchorAt, compiled.offsets.get(step.id)!),
  }));
  const past = timed.filter((t) => t.dueAt < openedAt);
  const latestPast = past.length > 0 ? Math.max(...past.map((t) => t.dueAt)) : null;
  return timed.map(({ step, position, dueAt }) => {
    const missed = dueAt < openedAt && dueAt !== latestPast;
    return {
      stepId: step.id,
      position,
      action: step.action,
      dueAt: dueAt === latestPast ? openedAt : dueAt,
      status: missed ? 'skipped' : 'pending',
      rule: missed
        ? `missed: the case opened after this step's time (${new Date(dueAt).toISOString()})`
        : null,
    };
  });
}

/** The earliest moment, relative to its anchor, at which a policy has anything to do (negative for pre-due steps). */
export function earliestOffsetMs(compiled: CompiledPolicy): number {
  const anchor = Date.UTC(2000, 0, 1);
  return Math.min(
    ...compiled.policy.steps.map((s) => applyOffset(anchor, compiled.offsets.get(s.id)!) - anchor),
  );
}
