import type { PolicyDocument, PolicyStep } from './types.ts';

/** One field that differs: its dotted path (`when.amountAtLeast`) and its text before and after (null: absent). */
export interface FieldChange {
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** What happened to one step, matched by its id. Positions count from 1. */
export type StepChange =
  | { readonly kind: 'added'; readonly id: string; readonly position: number; readonly step: PolicyStep }
  | { readonly kind: 'removed'; readonly id: string; readonly position: number; readonly step: PolicyStep }
  | {
      readonly kind: 'changed';
      readonly id: string;
      readonly from: number;
      readonly to: number;
      readonly moved: boolean;
      readonly fields: readonly FieldChange[];
    }
  | { readonly kind: 'unchanged'; readonly id: string; readonly position: number };

/** A readable difference between two policy documents. */
export interface PolicyDiff {
  /** Policy-wide fields (description, anchor, contact hours, limits). */
  readonly policy: readonly FieldChange[];
  /** Every step of both, in the newer order, removed steps where they used to be. */
  readonly steps: readonly StepChange[];
  readonly identical: boolean;
}

/** A value as short text: lists joined by commas, everything else as JSON would say it. */
export function showValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(showValue).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Flattens nested objects into dotted paths; arrays stay whole, since they read best as one list. */
export function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (value !== undefined && prefix) {
    out.set(prefix, showValue(value));
  }
  return out;
}

/** The fields that differ between two flat maps, in a stable order (the older's keys, then new ones). */
export function fieldChanges(before: Map<string, string>, after: Map<string, string>): FieldChange[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  return keys.flatMap((field) => {
    const b = before.get(field) ?? null;
    const a = after.get(field) ?? null;
    return b === a ? [] : [{ field, before: b, after: a }];
  });
}

// The step's fields without its id: the id is what matches steps, so it is never a "change".
function stepFields(step: PolicyStep): Map<string, string> {
  const { id: _id, ...rest } = step;
  return flatten(rest);
}

/**
 * Compares two policy versions step by step. Steps are matched by id (a renamed step is one removed and one
 * added, as the engine sees it); a step is `moved` when its place among the steps both versions share differs.
 */
export function diffPolicies(from: PolicyDocument, to: PolicyDocument): PolicyDiff {
  const { steps: _a, ...fromRest } = from;
  const { steps: _b, ...toRest } = to;
  const policy = fieldChanges(flatten(fromRest), flatten(toRest));

  const fromIndex = new Map(from.steps.map((s, i) => [s.id, i]));
  const toIds = new Set(to.steps.map((s) => s.id));
  const sharedFrom = from.steps.filter((s) => toIds.has(s.id)).map((s) => s.id);
  const sharedTo = to.steps.filter((s) => fromIndex.has(s.id)).map((s) => s.id);

  const steps: StepChange[] = [];
  let nextOld = 0;
  // Removed steps are listed just before the first surviving step that followed them in the older version.
  const flushRemovedBefore = (limit: number) => {
    for (; nextOld < limit; nextOld++) {
      const old = from.steps[nextOld]!;
      if (!toIds.has(old.id)) steps.push({ kind: 'removed', id: old.id, position: nextOld + 1, step: old });
    }
  };
  to.steps.forEach((step, i) => {
    const oldAt = fromIndex.get(step.id);
    if (oldAt === undefined) {
      steps.push({ kind: 'added', id: step.id, position: i + 1, step });
      return;
    }
    flushRemovedBefore(oldAt);
    const fields = fieldChanges(stepFields(from.steps[oldAt]!), stepFields(step));
    const moved = sharedFrom.indexOf(step.id) !== sharedTo.indexOf(step.id);
    steps.push(
      fields.length === 0 && !moved
        ? { kind: 'unchanged', id: step.id, position: i + 1 }
        : { kind: 'changed', id: step.id, from: oldAt + 1, to: i + 1, moved, fields },
    );
  });
  flushRemovedBefore(from.steps.length);
  const identical = policy.length === 0 && steps.every((s) => s.kind === 'unchanged');
  return { policy, steps, identical };
}
