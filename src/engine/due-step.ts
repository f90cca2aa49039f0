import { type PassedOver, chooseDueStep } from '../domain/due-steps.ts';
import type { CompiledPolicy } from '../domain/policy.ts';
import type { CaseFactRows, StepFact } from '../store/case-facts.ts';
import { type CaseWork, addEvent } from './case-work.ts';

/** The step a claimed case works now and the due reminders it passes over, as chooseDueStep decides them. */
export function dueStepOf(
  rows: CaseFactRows,
  compiled: CompiledPolicy,
  now: number,
): { due: StepFact | undefined; passedOver: readonly PassedOver[] } {
  const pending = rows.pendingSteps.map((s) => ({
    stepId: s.step_id,
    action: s.action,
    dueAt: s.due_at,
    // Only a due reminder's offset matters; a step the policy no longer has (an ad-hoc one) is not "due soon".
    beforeDue:
      s.action === 'remind' && s.due_at <= now && (compiled.offsets.get(s.step_id)?.negative ?? false),
  }));
  const choice = chooseDueStep(pending, now, rows.case.anchor_at);
  // With every pending step passed over, the case works the first of them, only to record it.
  const id = choice.run?.stepId ?? choice.passedOver[0]?.step.stepId;
  return { due: rows.pendingSteps.find((s) => s.step_id === id), passedOver: choice.passedOver };
}

/**
 * Records the passed-over reminders on the work, each with a timeline entry naming what superseded it; returns
 * whether the work's own step was one of them (it is then over, and nothing is sent).
 */
export function passOver(work: CaseWork, passedOver: readonly PassedOver[], now: number): boolean {
  let own = false;
  for (const p of passedOver) {
    const status = p.by ? 'superseded' : 'skipped';
    const event = addEvent(work, now, `step.${status}`, p.rule, p.by ? { by: p.by } : {});
    event.step_id = p.step.stepId;
    if (p.step.stepId === work.stepId) {
      own = true;
      work.stepStatus = status;
    } else {
      work.passedOver.push({ stepId: p.step.stepId, status });
    }
  }
  return own;
}
