import type { Db } from '../../store/database.ts';
import type { SandboxLedger, StoredCharge } from './ledger.ts';

/**
 * The sandbox's memory kept in the database (table `sandbox_charges`), outside any engine transaction, so it
 * behaves like a remote gateway: it survives a killed worker and is shared by every worker process.
 */
export class DatabaseLedger implements SandboxLedger {
  constructor(private readonly db: Db) {}

  /** The charge stored under `key`, if any. */
  async find(key: string): Promise<StoredCharge | undefined> {
    const row = await this.db
      .selectFrom('sandbox_charges')
      .selectAll()
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row && toCharge(row);
  }

  /** Stores the charge unless the key is taken; the primary key decides between racing callers. */
  async insertIfAbsent(charge: StoredCharge): Promise<StoredCharge> {
    await this.db
      .insertInto('sandbox_charges')
      .values({
        idempotency_key: charge.idempotencyKey,
        token: charge.token,
        amount: charge.amount,
        currency: charge.currency,
        result: JSON.stringify(charge.result),
        created_at: charge.createdAt,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
    const winner = await this.find(charge.idempotencyKey);
    if (!winner) throw new Error(`sandbox charge ${charge.idempotencyKey} vanished after insert`);
    return winner;
  }

  /** Distinct charges made on `token`. */
  async countForToken(token: string): Promise<number> {
    const row = await this.db
      .selectFrom('sandbox_charges')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('token', '=', token)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function toCharge(row: {
  idempotency_key: string;
  token: string;
  amount: number;
  currency: string;
  result: string;
  created_at: number;
}): StoredCharge {
  return {
    idempotencyKey: row.idempotency_key,
    token: row.token,
    amount: row.amount,
    currency: row.currency,
    result: JSON.parse(row.result),
    createdAt: row.created_at,
  };
}
