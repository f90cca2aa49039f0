import { type RawBuilder, sql } from 'kysely';
import { type DeclineClass, classifyDecline } from '../domain/declines.ts';

/** The opening failure's decline class, or `none` for an invoice that nothing tried to charge. */
export type OpeningClass = DeclineClass | 'none';

/** The order classes are listed in: the retryable first. */
export const CLASS_ORDER: readonly OpeningClass[] = ['soft', 'action_required', 'hard', 'none'];

/**
 * The decline code of the case's opening failure: its earliest failed charge (B2B invoices have none, so null).
 * One seek in the partial index `invoices_opening_failure` per case.
 */
export function openingFailureCode(caseAlias: string): RawBuilder<string | null> {
  return sql<string | null>`(select i.failure_code from invoices i
    where i.case_id = ${sql.ref(`${caseAlias}.id`)} and i.failure_code is not null
    order by i.failed_at, i.id limit 1)`;
}

/** The class of an opening failure's code; codes become classes here, in JavaScript, where the table is. */
export function openingClass(code: string | null): OpeningClass {
  return code ? classifyDecline({ code }).class : 'none';
}
