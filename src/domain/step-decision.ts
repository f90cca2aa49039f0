import { type ConditionFacts, failedCondition } from './conditions.ts';
import {
  type ContactWindow,
  DEFAULT_CONTACT_WINDOW,
  isContactAllowed,
  nextAllowedContact,
} from './contact-hours.ts';
import type { Policy, PolicyStep } from './policy.ts';

/** Everything about a case and its customer that deciding one step needs; loaded by the engine, never fetched here. */
export interface StepFacts extends ConditionFacts {
  readonly caseOpen: boolean;
  readonly paused: boolean;
  readonly timeZone: string;
  readonly optedOut: readonly string[];
  readonly email: string | null;
  readonly recentMessageTimes: readonly number[]; // sends to this customer, newest last
}

/** What to do with a due step; the engine carries it out and records it with its rule. */
export type StepDecision =
  | { kind: 'skip'; rule: string }
  | { kind: 'defer'; until: number; rule: string }
  | { kind: 'act'; step: PolicyStep; rule: string };

const DEFAULT_MESSAGE_LIMITS = { maxMessages: 7, periodDays: 7 };
const DAY_MS = 86_400_000;

/** The contact window a policy sets, or Regulation F's 08:00–21:00. */
export function contactWindowOf(policy: Policy): ContactWindow {
  return policy.contactHours ?? DEFAULT_CONTACT_WINDOW;
}

/** Decides a due step at `now`: run it, skip it (conditions, opt-out) or defer it (contact hours, message cap). */
export function decideStep(policy: Policy, step: PolicyStep, facts: StepFacts, now: number): StepDecision {
  if (!facts.caseOpen) return { kind: 'skip', rule: 'case is closed' };
  // A paused case is not claimed; one paused after its claim keeps the step due, to run once it is resumed.
  if (facts.paused) return { kind: 'defer', until: now, rule: 'case is paused' };
  const failed = failedCondition(step.when, facts);
  if (failed) return { kind: 'skip', rule: failed };
  if (step.action !== 'remind') return { kind: 'act', step, rule: `policy step ${step.id}: ${step.action}` };

  if (facts.optedOut.includes(step.channel))
    return { kind: 'skip', rule: `customer opted out of ${step.channel}` };
  if (!facts.email) return { kind: 'skip', rule: 'customer has no email address' };
  const window = contactWindowOf(policy);
  if (!isContactAllowed(now, facts.timeZone, window)) {
    const until = nextAllowedContact(now, facts.timeZone, window);
    return {
      kind: 'defer',
      until,
      rule: `outside contact hours ${window.start}–${window.end} in ${facts.timeZone}; waiting until ${new Date(until).toISOString()}`,
    };
  }
  const limits = policy.messageLimits ?? DEFAULT_MESSAGE_LIMITS;
  const since = now - limits.periodDays * DAY_MS;
  const recent = facts.recentMessageTimes.filter((t) => t > since);
  if (recent.length >= limits.maxMessages) {
    const until = nextAllowedContact(
      recent[recent.length - limits.maxMessages]! + limits.periodDays * DAY_MS + 1,
      facts.timeZone,
      window,
    );
    return {
      kind: 'defer',
      until,
      rule: `message limit: ${recent.length} messages in ${limits.periodDays} days (max ${limits.maxMessages})`,
    };
  }
  return {
    kind: 'act',
    step,
    rule: `policy step ${step.id}: remind by ${step.channel} with ${step.template}`,
  };
}
