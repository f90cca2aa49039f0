import { PostgresAdapter, sql } from 'kysely';
import type { CompiledPolicy } from '../domain/policy.ts';
import type { Db } from './database.ts';
import type { PolicyVersionRow } from './tables.ts';

/** Stores a policy as a new immutable version of its name; the version number counts up from 1. */
export async function applyPolicyVersion(
  db: Db,
  compiled: CompiledPolicy,
  source: string,
  now: number,
): Promise<PolicyVersionRow> {
  return db.transaction().execute(async (trx) => {
    // Two applies of one name side by side would both read the same newest version and the second insert would
    // fail on the primary key: PostgreSQL queues them on a lock per name. SQLite's single writer already does.
    if (trx.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`select pg_advisory_xact_lock(7243004, hashtext(${compiled.policy.name}))`.execute(trx);
    }
    const latest = await trx
      .selectFrom('policy_versions')
      .select((eb) => eb.fn.max<number>('version').as('v'))
      .where('name', '=', compiled.policy.name)
      .executeTakeFirst();
    const version = Number(latest?.v ?? 0) + 1;
    const row: PolicyVersionRow = {
      id: `${compiled.policy.name}@${version}`,
      name: compiled.policy.name,
      version,
      document: JSON.stringify(compiled.policy),
      source,
      created_at: now,
    };
    await trx.insertInto('policy_versions').values(row).execute();
    return row;
  });
}

/** The newest version of every policy name: the one new cases start on. */
export async function latestPolicyVersions(db: Db): Promise<PolicyVersionRow[]> {
  return db
    .selectFrom('policy_versions as p')
    .selectAll('p')
    .where(({ eb, selectFrom }) =>
      eb(
        'p.version',
        '=',
        selectFrom('policy_versions as q')
          .select((e) => e.fn.max<number>('q.version').as('v'))
          .whereRef('q.name', '=', 'p.name'),
      ),
    )
    .orderBy('p.name')
    .execute();
}

/** Every stored version of one policy name, oldest first. */
export async function policyVersions(db: Db, name: string): Promise<PolicyVersionRow[]> {
  return db.selectFrom('policy_versions').selectAll().where('name', '=', name).orderBy('version').execute();
}
