import type { DeclineClass } from './declines.ts';
import type { StepCondition } from './policy.ts';

/** The facts a step's `when` conditions are judged on. */
export interface ConditionFacts {
  readonly amountDue: number;
  readonly attempts: number;
  readonly lastDeclineClass: DeclineClass | null;
  readonly customerAttributes: Readonly<Record<string, unknown>>;
}

/** Null when every condition holds, otherwise the first one that failed, worded for the timeline. */
export function failedCondition(when: StepCondition | undefined, facts: ConditionFacts): string | null {
  if (!when) return null;
  if (when.amountAtLeast !== undefined && facts.amountDue < when.amountAtLeast)
    return `when.amountAtLeast: amount due ${facts.amountDue} is below ${when.amountAtLeast}`;
  if (when.amountBelow !== undefined && facts.amountDue >= when.amountBelow)
    return `when.amountBelow: amount due ${facts.amountDue} is not below ${when.amountBelow}`;
  if (when.attemptsAtLeast !== undefined && facts.attempts < when.attemptsAtLeast)
    return `when.attemptsAtLeast: ${facts.attempts} attempts so far, fewer than ${when.attemptsAtLeast}`;
  if (when.attemptsBelow !== undefined && facts.attempts >= when.attemptsBelow)
    return `when.attemptsBelow: ${facts.attempts} attempts so far, not below ${when.attemptsBelow}`;
  if (
    when.declineClass &&
    (facts.lastDeclineClass === null || !when.declineClass.includes(facts.lastDeclineClass))
  )
    return `when.declineClass: last decline is ${facts.lastDeclineClass ?? 'none'}, not ${when.declineClass.join(' or ')}`;
  for (const [key, expected] of Object.entries(when.customer ?? {})) {
    if (facts.customerAttributes[key] !== expected)
      return `when.customer.${key}: customer has ${JSON.stringify(facts.customerAttributes[key] ?? null)}, not ${JSON.stringify(expected)}`;
  }
  return null;
}
