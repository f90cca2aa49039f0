import { PostgresAdapter, type RawBuilder, sql } from 'kysely';
import type { Db } from '../store/database.ts';

// Small SQL pieces every analytics query shares, written once so that both databases return the same types.

export const DAY = 86_400_000;

/** True on PostgreSQL, where a few aggregates are spelled differently. */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Σ of an integer column, 0 when no row: PostgreSQL sums bigints as numeric, which pg returns as a string. */
export function total(column: string): RawBuilder<number> {
  return sql<number>`cast(coalesce(sum(${sql.ref(column)}), 0) as bigint)`;
}

/** Σ of an integer expression, 0 when no row. */
export function totalOf(expression: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`cast(coalesce(sum(${expression}), 0) as bigint)`;
}

/** How many rows meet a condition. */
export function countWhere(condition: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`cast(coalesce(sum(case when ${condition} then 1 else 0 end), 0) as bigint)`;
}

/**
 * An instant (epoch ms) as an integer in SQL: better-sqlite3 binds every JS number as a REAL, which would turn
 * integer arithmetic on it (days between two instants) into floating point.
 */
export function instant(ms: number): RawBuilder<number> {
  return sql<number>`cast(${ms} as bigint)`;
}

/**
 * A recursive CTE `name(value)` listing the distinct values of an indexed column, found by one index seek per
 * value (a loose index scan): a handful of currencies costs a handful of seeks however many rows there are. The
 * last row is a null that ends the recursion; filter it out. Neither database needs statistics for this plan.
 */
export function distinctValues(name: string, table: string, column: string): RawBuilder<unknown> {
  const t = sql.table(table);
  const c = sql.ref(column);
  return sql`${sql.id(name)}(value) as (
    select min(${c}) from ${t}
    union all
    select (select min(t.${c}) from ${t} t where t.${c} > ${sql.ref(`${name}.value`)})
    from ${sql.id(name)} where ${sql.ref(`${name}.value`)} is not null
  )`;
}

/**
 * Like {@link distinctValues} for the distinct pairs of an index's two leading columns `first` and `second`: the
 * next pair is the next `second` under the same `first`, or else the first `second` under the next `first`.
 */
export function distinctPairs(
  name: string,
  table: string,
  first: string,
  second: string,
): RawBuilder<unknown> {
  const t = sql.table(table);
  const a = sql.ref(first);
  const b = sql.ref(second);
  const self = sql.id(name);
  const nextSecond = sql`(select min(t.${b}) from ${t} t
    where t.${a} = ${sql.ref(`${name}.a`)} and t.${b} > ${sql.ref(`${name}.b`)})`;
  const nextFirst = sql`(select min(t.${a}) from ${t} t where t.${a} > ${sql.ref(`${name}.a`)})`;
  return sql`${self}(a, b) as (
    select f.a, (select min(t.${b}) from ${t} t where t.${a} = f.a) from (select min(${a}) as a from ${t}) f
    union all
    select case when ${nextSecond} is not null then ${sql.ref(`${name}.a`)} else ${nextFirst} end,
      coalesce(${nextSecond}, (select min(t.${b}) from ${t} t where t.${a} = ${nextFirst}))
    from ${self} where ${sql.ref(`${name}.a`)} is not null
  )`;
}

/**
 * Runs one analytics query and returns its rows. On PostgreSQL it runs in a transaction of its own with JIT
 * compilation off (these aggregates are estimated costly enough to be compiled, and compiling took longer than
 * the whole query does with the indexes of migration 008: 70 ms of 100 measured) and room to sort a year of
 * cases in memory rather than on disk (the default work_mem is 4 MB).
 */
export async function rowsOf<R>(db: Db, query: RawBuilder<R>): Promise<R[]> {
  if (!isPostgres(db)) return (await query.execute(db)).rows;
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('jit', 'off', true), set_config('work_mem', '32MB', true)`.execute(trx);
    return (await query.execute(trx)).rows;
  });
}
