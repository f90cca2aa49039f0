import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { type Offset, parseOffset } from './duration.ts';
import { NETWORK_REATTEMPT_CAP, attemptsPerNetworkWindow } from './network-rules.ts';
import { type FieldError, type Validated, validate } from './validation.ts';

const Clock = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
  description: "a local time such as '08:00'",
});
const IsoOffset = Type.String({ minLength: 2, description: 'an ISO 8601 duration such as P3D' });
const DeclineClassName = Type.Union([
  Type.Literal('soft'),
  Type.Literal('hard'),
  Type.Literal('action_required'),
]);

/** Conditions a step runs under; every one given must hold, otherwise the step is skipped and says why. */
export const StepConditionSchema = Type.Object(
  {
    amountAtLeast: Type.Optional(Type.Integer({ minimum: 0, description: 'minor units' })),
    amountBelow: Type.Optional(Type.Integer({ minimum: 1, description: 'minor units' })),
    declineClass: Type.Optional(Type.Array(DeclineClassName, { minItems: 1 })),
    attemptsAtLeast: Type.Optional(Type.Integer({ minimum: 0 })),
    attemptsBelow: Type.Optional(Type.Integer({ minimum: 1 })),
    customer: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    ),
  },
  { additionalProperties: false },
);

const common = {
  id: Type.String({
    pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
    description: 'lower-case letters, digits, - and _',
  }),
  offset: IsoOffset,
  when: Type.Optional(StepConditionSchema),
};
const step = <A extends string, P extends TProperties>(action: A, props: P) =>
  Type.Object({ ...common, action: Type.Literal(action), ...props }, { additionalProperties: false });

/** One schema per action, so errors name the field of the action the author meant. */
export const StepSchemas = {
  retry: step('retry', {}),
  remind: step('remind', {
    channel: Type.Literal('email'),
    template: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]*$',
      description: 'a template name such as payment-failed',
    }),
  }),
  escalate: step('escalate', { queue: Type.Optional(Type.String({ minLength: 1 })) }),
  webhook: step('webhook', { url: Type.String({ pattern: '^https?://', description: 'an http(s) URL' }) }),
  cancel: step('cancel', {}),
} satisfies Record<string, TObject>;

export type StepAction = keyof typeof StepSchemas;
export const STEP_ACTIONS = Object.keys(StepSchemas) as StepAction[];
export const PolicyStepSchema = Type.Union(Object.values(StepSchemas));
export type PolicyStep = Static<typeof PolicyStepSchema>;
export type StepCondition = Static<typeof StepConditionSchema>;

const policyProps = {
  name: Type.String({
    pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
    description: 'lower-case letters, digits and -',
  }),
  description: Type.Optional(Type.String()),
  anchor: Type.Union([Type.Literal('first_failure'), Type.Literal('due_date')], {
    description: 'first_failure or due_date',
  }),
  contactHours: Type.Optional(
    Type.Object(
      {
        start: Clock,
        end: Clock,
        weekdays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1 })),
      },
      { additionalProperties: false },
    ),
  ),
  retryLimits: Type.Optional(
    Type.Object(
      {
        maxAttemptsPerMethod: Type.Integer({ minimum: 1, maximum: 100 }),
        windowDays: Type.Integer({ minimum: 1, maximum: 365 }),
      },
      { additionalProperties: false },
    ),
  ),
  allowAboveNetworkLimits: Type.Optional(
    Type.Boolean({
      description:
        "let retryLimits exceed the card networks' 15 attempts per method in 30 days (warned, not refused)",
    }),
  ),
  messageLimits: Type.Optional(
    Type.Object(
      { maxMessages: Type.Integer({ minimum: 1 }), periodDays: Type.Integer({ minimum: 1, maximum: 365 }) },
      { additionalProperties: false },
    ),
  ),
};

/** The whole policy document: the single source of its type, its validation and its OpenAPI schema. */
export const PolicySchema = Type.Object(
  { ...policyProps, steps: Type.Array(PolicyStepSchema, { minItems: 1 }) },
  { additionalProperties: false },
);
export type Policy = Static<typeof PolicySchema>;

const PolicyShellSchema = Type.Object(
  { ...policyProps, steps: Type.Array(Type.Unknown(), { minItems: 1 }) },
  { additionalProperties: false },
);

/** A validated policy with its offsets parsed, ready for scheduling. */
export interface CompiledPolicy {
  readonly policy: Policy;
  readonly offsets: ReadonlyMap<string, Offset>;
}

/** Validates a parsed policy document and returns every error with its path, or the compiled policy. */
export function compilePolicy(input: unknown): Validated<CompiledPolicy> {
  const shell = validate(PolicyShellSchema, input);
  const errors: FieldError[] = shell.ok ? [] : [...shell.errors];
  const rawSteps = isRecord(input) && Array.isArray(input['steps']) ? input['steps'] : [];
  const offsets = new Map<string, Offset>();
  const ids = new Set<string>();
  let previous: { ms: number; iso: string } | null = null;

  rawSteps.forEach((raw, i) => {
    const at = `steps[${i}]`;
    const action = isRecord(raw) ? raw['action'] : undefined;
    if (typeof action !== 'string' || !(action in StepSchemas)) {
      errors.push({ path: `${at}.action`, message: `expected one of ${STEP_ACTIONS.join(', ')}` });
      return;
    }
    const checked = validate(StepSchemas[action as StepAction], raw, at);
    if (!checked.ok) errors.push(...checked.errors);
    const step = raw as Record<string, unknown>;
    if (typeof step['id'] === 'string') {
      if (ids.has(step['id']))
        errors.push({ path: `${at}.id`, message: `duplicate step id '${step['id']}'` });
      ids.add(step['id']);
    }
    if (typeof step['offset'] !== 'string') return;
    const offset = parseOffset(step['offset']);
    if (!offset) {
      errors.push({ path: `${at}.offset`, message: 'expected an ISO 8601 duration such as P3D' });
      return;
    }
    const ms = (offset.negative ? -1 : 1) * offset.duration.as('milliseconds');
    if (previous && ms < previous.ms) {
      errors.push({
        path: `${at}.offset`,
        message: `${offset.iso} comes before the previous step's ${previous.iso}; list steps in time order`,
      });
    }
    previous = { ms, iso: offset.iso };
    if (typeof step['id'] === 'string') offsets.set(step['id'], offset);
  });

  const hours = isRecord(input) && isRecord(input['contactHours']) ? input['contactHours'] : null;
  if (
    hours &&
    typeof hours['start'] === 'string' &&
    typeof hours['end'] === 'string' &&
    hours['start'] >= hours['end']
  ) {
    errors.push({ path: 'contactHours.end', message: 'must be later than contactHours.start' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { policy: input as Policy, offsets } };
}

/**
 * Retry limits above the card networks' reattempt cap: an error, or a warning when the policy says
 * `allowAboveNetworkLimits: true`. Reads the document as written, so it reports alongside schema errors; limits
 * that are not whole numbers are left to the schema.
 */
export function networkLimitFindings(input: unknown): { errors: FieldError[]; warnings: FieldError[] } {
  const none = { errors: [], warnings: [] };
  const limits = isRecord(input) && isRecord(input['retryLimits']) ? input['retryLimits'] : null;
  const max = limits?.['maxAttemptsPerMethod'];
  const days = limits?.['windowDays'];
  if (!Number.isInteger(max) || !Number.isInteger(days) || (days as number) < 1) return none;
  const allowed = attemptsPerNetworkWindow({
    maxAttemptsPerMethod: max as number,
    windowDays: days as number,
  });
  const cap = NETWORK_REATTEMPT_CAP;
  if (allowed <= cap.attempts) return none;
  const above =
    days === cap.windowDays
      ? `${max} attempts per method in ${days} days is above the card networks' ${cap.attempts} in ${cap.windowDays} days`
      : `${max} attempts per method every ${days} days allow up to ${allowed} in ${cap.windowDays} days, above the card networks' ${cap.attempts}`;
  const finding = {
    path: 'retryLimits.maxAttemptsPerMethod',
    message: `${above} (issuers fine or block reattempts past it)`,
  };
  if (isRecord(input) && input['allowAboveNetworkLimits'] === true) {
    return {
      errors: [],
      warnings: [{ ...finding, message: `${finding.message}; allowed by allowAboveNetworkLimits` }],
    };
  }
  return {
    errors: [{ ...finding, message: `${finding.message}; lower it, or set allowAboveNetworkLimits: true` }],
    warnings: [],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
