import type { paths } from '../../api/schema.ts';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** One version as lists show it: number, step count, whether new cases start on it. */
export type VersionSummary = Json<
  paths['/v1/policies/{name}/versions']['get']['responses']['200']
>['data'][number];

/** One version with its validated document and source text. */
export type VersionDetail = Json<paths['/v1/policy-versions/{id}']['get']['responses']['200']>;

/** A policy document, as the API stores and validates it. */
export type PolicyDocument = VersionDetail['document'];

/** One step of a policy document. */
export type PolicyStep = PolicyDocument['steps'][number];

/** The conditions a step runs under. */
export type StepConditions = NonNullable<PolicyStep['when']>;

/** What a step does. */
export type StepAction = PolicyStep['action'];

/** A decline class a condition can name. */
export type DeclineClass = NonNullable<StepConditions['declineClass']>[number];

/** What the anchor of a policy's offsets is. */
export type PolicyAnchor = PolicyDocument['anchor'];

/** The answer of a dry run: what would happen, day by day. */
export type DryRun = Json<paths['/v1/policies/dry-run']['post']['responses']['200']>;

/** One validation error as the validate endpoint gives it (`steps[2].offset`). */
export interface PathError {
  readonly path: string;
  readonly reason: string;
}

// Kept in the schema's order; the compile-time checks below fail if the API adds or drops one.
export const STEP_ACTIONS = [
  'retry',
  'remind',
  'escalate',
  'webhook',
  'cancel',
] as const satisfies readonly StepAction[];
export const DECLINE_CLASSES = ['soft', 'hard', 'action_required'] as const satisfies readonly DeclineClass[];
export const CHANNELS = ['email'] as const;
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const everyAction: Missing<StepAction, (typeof STEP_ACTIONS)[number]> = true;
const everyClass: Missing<DeclineClass, (typeof DECLINE_CLASSES)[number]> = true;
void everyAction;
void everyClass;

/** What each action does, in words for the action picker. */
export const ACTION_LABELS: Record<StepAction, string> = {
  retry: 'Retry the payment',
  remind: 'Send a reminder',
  escalate: 'Escalate to people',
  webhook: 'Call a webhook',
  cancel: 'Cancel the subscription',
};

/** The anchor in words. */
export const ANCHOR_LABELS: Record<PolicyAnchor, string> = {
  first_failure: 'the first failed payment',
  due_date: 'the invoice due date',
};
