import { randomBytes } from 'node:crypto';

/** A new random id with a readable prefix, e.g. `case_3kq9…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('base64url')}`;
}

/** The idempotency key of one charge: the same case, step and method can never be charged twice. */
export function attemptKey(caseId: string, stepId: string, methodId: string): string {
  return `recoup:${caseId}:${stepId}:${methodId}`;
}

/** The idempotency key of a step's message: a step sends at most one. */
export function messageKey(caseId: string, stepId: string): string {
  return `recoup:${caseId}:${stepId}:message`;
}
