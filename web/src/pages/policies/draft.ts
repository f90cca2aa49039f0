import type {
  DeclineClass,
  PolicyAnchor,
  PolicyDocument,
  PolicyStep,
  StepAction,
  StepConditions,
} from './types.ts';

/** One customer-attribute condition being edited: the attribute and its value as typed. */
export interface DraftAttribute {
  readonly key: string;
  readonly name: string;
  readonly value: string;
}

/** A step's conditions as form fields: numbers may be empty ('' = no such condition). */
export interface DraftConditions {
  readonly amountAtLeast: number | '';
  readonly amountBelow: number | '';
  readonly attemptsAtLeast: number | '';
  readonly attemptsBelow: number | '';
  readonly declineClass: readonly DeclineClass[];
  readonly customer: readonly DraftAttribute[];
}

/**
 * A step as the editor holds it: every action's fields at once, so switching the action back and forth keeps
 * what was typed; `key` is the editor's own stable identity, since the id itself is editable.
 */
export interface DraftStep {
  readonly key: string;
  readonly id: string;
  readonly offset: string;
  readonly action: StepAction;
  readonly channel: 'email';
  readonly template: string;
  readonly queue: string;
  readonly url: string;
  readonly when: DraftConditions;
}

/** A policy being edited: the fields the editor offers, and the rest carried over unchanged. */
export interface Draft {
  readonly base: PolicyDocument;
  readonly description: string;
  readonly anchor: PolicyAnchor;
  readonly steps: readonly DraftStep[];
}

let lastKey = 0;
/** A fresh editor key, unique for the page's lifetime. */
export function newKey(): string {
  lastKey += 1;
  return `k${lastKey}`;
}

const NO_CONDITIONS: DraftConditions = {
  amountAtLeast: '',
  amountBelow: '',
  attemptsAtLeast: '',
  attemptsBelow: '',
  declineClass: [],
  customer: [],
};

function toDraftStep(step: PolicyStep): DraftStep {
  const when = step.when ?? {};
  return {
    key: newKey(),
    id: step.id,
    offset: step.offset,
    action: step.action,
    channel: 'email',
    template: step.action === 'remind' ? step.template : '',
    queue: step.action === 'escalate' ? (step.queue ?? '') : '',
    url: step.action === 'webhook' ? step.url : '',
    when: {
      amountAtLeast: when.amountAtLeast ?? '',
      amountBelow: when.amountBelow ?? '',
      attemptsAtLeast: when.attemptsAtLeast ?? '',
      attemptsBelow: when.attemptsBelow ?? '',
      declineClass: when.declineClass ?? [],
      customer: Object.entries(when.customer ?? {}).map(([name, value]) => ({
        key: newKey(),
        name,
        value: String(value),
      })),
    },
  };
}

/** The editable form of a stored document. */
export function toDraft(document: PolicyDocument): Draft {
  return {
    base: document,
    description: document.description ?? '',
    anchor: document.anchor,
    steps: document.steps.map(toDraftStep),
  };
}

/** "true"/"false" become booleans and plain numbers numbers, as YAML would read them; the rest stays text. */
export function attributeValue(text: string): string | number | boolean {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return text;
}

function toConditions(when: DraftConditions): StepConditions | undefined {
  const out: StepConditions = {};
  if (when.amountAtLeast !== '') out.amountAtLeast = when.amountAtLeast;
  if (when.amountBelow !== '') out.amountBelow = when.amountBelow;
  if (when.declineClass.length > 0) out.declineClass = [...when.declineClass];
  if (when.attemptsAtLeast !== '') out.attemptsAtLeast = when.attemptsAtLeast;
  if (when.attemptsBelow !== '') out.attemptsBelow = when.attemptsBelow;
  // A row without a name is one the user has not finished; sending it would only produce a confusing error.
  const attributes = when.customer.filter((a) => a.name.trim() !== '');
  if (attributes.length > 0) {
    out.customer = Object.fromEntries(attributes.map((a) => [a.name.trim(), attributeValue(a.value)]));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The document a draft step stands for: only the fields its action takes, so the schema sees no strays. */
export function toStep(step: DraftStep): PolicyStep {
  const when = toConditions(step.when);
  const common = { id: step.id.trim(), offset: step.offset.trim(), ...(when ? { when } : {}) };
  switch (step.action) {
    case 'remind':
      return { ...common, action: 'remind', channel: step.channel, template: step.template.trim() };
    case 'escalate':
      return { ...common, action: 'escalate', ...(step.queue.trim() ? { queue: step.queue.trim() } : {}) };
    case 'webhook':
      return { ...common, action: 'webhook', url: step.url.trim() };
    default:
      return { ...common, action: step.action };
  }
}

/** The document a draft stands for, with the fields the editor does not offer kept as they were. */
export function toDocument(draft: Draft): PolicyDocument {
  const { description: _d, steps: _s, ...kept } = draft.base;
  const description = draft.description.trim();
  return {
    ...kept,
    ...(description ? { description } : {}),
    anchor: draft.anchor,
    steps: draft.steps.map(toStep),
  };
}

/** A new retry step at the last step's offset, so it starts in time order. */
export function blankStep(existing: readonly DraftStep[]): DraftStep {
  const ids = new Set(existing.map((s) => s.id));
  let n = existing.length + 1;
  while (ids.has(`step-${n}`)) n += 1;
  return {
    key: newKey(),
    id: `step-${n}`,
    offset: existing.at(-1)?.offset ?? 'P1D',
    action: 'retry',
    channel: 'email',
    template: '',
    queue: '',
    url: '',
    when: NO_CONDITIONS,
  };
}

/** The list with the item at `from` moved to `to`; out-of-range moves return it unchanged. */
export function move<T>(items: readonly T[], from: number, to: number): T[] {
  const out = [...items];
  if (from < 0 || from >= out.length || to < 0 || to >= out.length) return out;
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item as T);
  return out;
}

/** How many conditions a step has set, for the collapsed conditions button. */
export function conditionCount(when: DraftConditions): number {
  return Object.keys(toConditions(when) ?? {}).length;
}
