import { formatMoney } from '../../format/money.ts';
import type { PolicyDocument, PolicyStep, StepConditions } from './types.ts';

/** What a step acts with: the channel and template of a reminder, an escalation's queue, a webhook's URL. */
export function stepTarget(step: PolicyStep): string {
  switch (step.action) {
    case 'remind':
      return `${step.channel} · ${step.template}`;
    case 'escalate':
      return step.queue ? `queue ${step.queue}` : 'default queue';
    case 'webhook':
      return step.url;
    default:
      return '';
  }
}

/** Minor units in words without a currency (policies hold for every currency): "5000 (€50.00, ¥5,000)". */
export function minorUnits(minor: number): string {
  return `${minor} (${formatMoney(minor, 'EUR')}, ${formatMoney(minor, 'JPY')})`;
}

/** A step's conditions in one line, or "always". */
export function conditionsText(when: StepConditions | undefined): string {
  if (!when) return 'always';
  const parts: string[] = [];
  if (when.amountAtLeast !== undefined) parts.push(`owed ≥ ${minorUnits(when.amountAtLeast)}`);
  if (when.amountBelow !== undefined) parts.push(`owed < ${minorUnits(when.amountBelow)}`);
  if (when.declineClass) parts.push(`decline ${when.declineClass.join(' or ')}`);
  if (when.attemptsAtLeast !== undefined) parts.push(`attempts ≥ ${when.attemptsAtLeast}`);
  if (when.attemptsBelow !== undefined) parts.push(`attempts < ${when.attemptsBelow}`);
  for (const [name, value] of Object.entries(when.customer ?? {}))
    parts.push(`customer ${name} = ${String(value)}`);
  return parts.length > 0 ? parts.join('; ') : 'always';
}

/** The policy-wide settings in words, one per line. */
export function settingsLines(document: PolicyDocument): string[] {
  const lines: string[] = [];
  const hours = document.contactHours;
  if (hours) {
    const days = hours.weekdays ? ` on weekdays ${hours.weekdays.join(', ')} (1 = Monday)` : ' every day';
    lines.push(`Contact hours ${hours.start}–${hours.end} in the customer’s time zone${days}`);
  } else lines.push('Contact hours: the server’s defaults');
  if (document.retryLimits) {
    const r = document.retryLimits;
    lines.push(`At most ${r.maxAttemptsPerMethod} attempts per payment method in ${r.windowDays} days`);
  }
  if (document.messageLimits) {
    const m = document.messageLimits;
    lines.push(`At most ${m.maxMessages} messages in ${m.periodDays} days`);
  }
  return lines;
}
