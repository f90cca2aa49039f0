import type { PathError } from './types.ts';

/** The inputs of one step that an error can sit on; anything else lands on the step as a whole (''). */
export const STEP_FIELDS = [
  'id',
  'offset',
  'action',
  'channel',
  'template',
  'queue',
  'url',
  'when.amountAtLeast',
  'when.amountBelow',
  'when.attemptsAtLeast',
  'when.attemptsBelow',
  'when.declineClass',
  'when.customer',
] as const;
export type StepField = (typeof STEP_FIELDS)[number] | '';

/** The policy-wide inputs of the editor an error can sit on. */
export const POLICY_FIELDS = ['description', 'anchor', 'steps'] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

/** Every error of one validation, placed on the input it belongs to. */
export interface ErrorIndex {
  readonly policy: ReadonlyMap<PolicyField, string>;
  /** By the editor's step key, then by field. */
  readonly steps: ReadonlyMap<string, ReadonlyMap<StepField, string>>;
  /** Errors no input of the editor shows (e.g. in contact hours, which it carries over untouched). */
  readonly elsewhere: readonly PathError[];
  readonly count: number;
}

export const NO_ERRORS: ErrorIndex = { policy: new Map(), steps: new Map(), elsewhere: [], count: 0 };

/**
 * Reads the path of an error as the API gives it — `steps[1].offset` from validate, or
 * `body.source.steps[1].offset` from a refused save — as a step index and the editor field it belongs to.
 */
export function placeError(
  path: string,
): { step: number; field: StepField } | { policy: PolicyField } | null {
  const bare = path.replace(/^body\.(source|document)\.?/, '');
  const step = /^steps\[(\d+)\](?:\.(.*))?$/.exec(bare);
  if (step) {
    // declineClass[0] and customer.plan are shown on the whole list / attribute group they are part of.
    const inner = (step[2] ?? '').replace(/\[\d+\]$/, '').replace(/^when\.customer\..*$/, 'when.customer');
    const field = (STEP_FIELDS as readonly string[]).includes(inner) ? (inner as StepField) : '';
    return { step: Number(step[1]), field };
  }
  return (POLICY_FIELDS as readonly string[]).includes(bare) ? { policy: bare as PolicyField } : null;
}

function add<K>(map: Map<K, string>, key: K, reason: string): void {
  const had = map.get(key);
  map.set(key, had ? `${had}; ${reason}` : reason);
}

/**
 * Places errors on inputs. `stepKeys` are the editor keys of the steps in the order the validated document had
 * them, so an error still lands on the right step after the user has moved it since.
 */
export function indexErrors(errors: readonly PathError[], stepKeys: readonly string[]): ErrorIndex {
  const policy = new Map<PolicyField, string>();
  const steps = new Map<string, Map<StepField, string>>();
  const elsewhere: PathError[] = [];
  for (const error of errors) {
    const place = placeError(error.path);
    const key = place && 'step' in place ? stepKeys[place.step] : undefined;
    if (place && 'policy' in place) add(policy, place.policy, error.reason);
    else if (place && key !== undefined) {
      const fields = steps.get(key) ?? new Map<StepField, string>();
      add(fields, place.field, error.reason);
      steps.set(key, fields);
    } else elsewhere.push(error);
  }
  return { policy, steps, elsewhere, count: errors.length };
}

/** A field's path in words for the error summary: `steps[1].when.amountBelow` → "step 2, when amount below". */
export function describePath(path: string, stepIds: readonly string[]): string {
  const place = placeError(path);
  if (!place || 'policy' in place) return path.replace(/^body\.(source|document)\.?/, '') || 'the policy';
  const id = stepIds[place.step];
  const where = `Step ${place.step + 1}${id ? ` (${id})` : ''}`;
  return place.field ? `${where}, ${fieldLabel(place.field)}` : where;
}

/** The label the editor gives a step field. */
export function fieldLabel(field: StepField): string {
  const labels: Record<StepField, string> = {
    '': 'step',
    id: 'step id',
    offset: 'offset',
    action: 'action',
    channel: 'channel',
    template: 'template',
    queue: 'queue',
    url: 'webhook URL',
    'when.amountAtLeast': 'amount at least',
    'when.amountBelow': 'amount below',
    'when.attemptsAtLeast': 'attempts at least',
    'when.attemptsBelow': 'attempts below',
    'when.declineClass': 'decline classes',
    'when.customer': 'customer attributes',
  };
  return labels[field];
}
