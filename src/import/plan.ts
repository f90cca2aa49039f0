import { insertMany, updateMany } from '../store/batch.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import type { Queryable, Trx } from '../store/database.ts';
import type { Tables } from '../store/tables.ts';
import type { ImportProblem } from './errors.ts';
import type { ImportRow } from './kinds/row-spec.ts';

/** What importing a file's rows would do, decided before anything is written. */
export interface Plan {
  /** Rows that contradict the database (unknown customer, changed currency, …): any of them cancels the import. */
  readonly problems: readonly ImportProblem[];
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Performs every write inside the caller's transaction; returns how many payments it recorded. */
  write(trx: Trx): Promise<number>;
}

/** Compares a kind's validated rows with the database. `lock` asks for row locks where the engine also writes. */
export type Planner<F> = (
  db: Queryable,
  rows: readonly ImportRow<F>[],
  context: PlanContext,
) => Promise<Plan>;

/** What a planner is told besides the rows. */
export interface PlanContext {
  readonly now: number;
  readonly lock: boolean;
  readonly cipher: FieldCipher;
  /**
   * The rows come from the operator's own records (a file, the generic webhook), whose failed charges name the
   * method they failed on or default to the customer's first; Stripe's are recorded as attempts instead.
   */
  readonly attributeFailures?: boolean;
}

/** True when any imported field differs from the stored row. */
export function differs<F extends object>(stored: F, fields: F): boolean {
  return (Object.keys(fields) as (keyof F)[]).some((key) => stored[key] !== fields[key]);
}

/**
 * A plan that inserts new rows and updates changed ones by id, counting the rest as unchanged; `after` runs in
 * the same transaction once the rows are written and returns how many payments it recorded.
 */
export function upsertPlan<T extends keyof Tables>(input: {
  readonly table: T;
  readonly columns: readonly (keyof Tables[T] & string)[];
  readonly rows: number;
  readonly inserts: readonly object[];
  readonly updates: readonly object[];
  readonly problems?: readonly ImportProblem[];
  readonly after?: (trx: Trx) => Promise<number>;
}): Plan {
  return {
    problems: input.problems ?? [],
    inserted: input.inserts.length,
    updated: input.updates.length,
    unchanged: input.rows - input.inserts.length - input.updates.length,
    write: async (trx) => {
      await insertMany(trx, input.table, input.inserts);
      await updateMany(trx, input.table, { keys: ['id'], set: input.columns }, input.updates);
      return input.after ? input.after(trx) : 0;
    },
  };
}
