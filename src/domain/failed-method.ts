/** A customer's payment method as far as naming the one a charge failed on needs. */
export interface MethodRef {
  readonly id: string;
  readonly external_id: string | null;
  readonly priority: number;
  readonly status: 'active' | 'disabled';
}

export type FailedMethod = { readonly id: string | null } | { readonly problem: string };

/**
 * The method a billing system's failed charge was made on: the one named (by its external id, or its Recoup id),
 * or else the one the billing system charges first, the customer's first active method by priority (as the retry
 * planner orders them). Null when the customer has no method; a problem when the name matches none of theirs.
 */
export function failedMethodOf(methods: readonly MethodRef[], named: string | null): FailedMethod {
  if (named !== null) {
    const method = methods.find((m) => m.external_id === named) ?? methods.find((m) => m.id === named);
    return method ? { id: method.id } : { problem: `the customer has no payment method '${named}'` };
  }
  const first = [...methods]
    .filter((m) => m.status === 'active')
    .sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
  return { id: first?.id ?? null };
}
