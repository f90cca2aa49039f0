import type { Queryable, Trx } from '../store/database.ts';
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
  context: { readonly now: number; readonly lock: boolean },
) => Promise<Plan>;

/** True when any imported field differs from the stored row. */
export function differs<F extends object>(stored: F, fields: F): boolean {
  return (Object.keys(fields) as (keyof F)[]).some((key) => stored[key] !== fields[key]);
}
