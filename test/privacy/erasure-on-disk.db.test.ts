import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseCustomer } from '../../src/privacy/customer-erasure.ts';
import { parseDatabaseUrl } from '../../src/store/database-url.ts';
import { TEST_DB } from '../support/databases.ts';
import { type World, createWorld } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 10); // Monday 10:00 UTC, inside contact hours

/** How often `needle` occurs in the bytes of a file (0 when the file does not exist). */
function occurrences(file: string, needle: string): number {
  if (!existsSync(file)) return 0;
  const bytes = readFileSync(file);
  const pattern = Buffer.from(needle, 'utf8');
  let count = 0;
  for (let at = bytes.indexOf(pattern); at !== -1; at = bytes.indexOf(pattern, at + 1)) count += 1;
  return count;
}

describe(`an erased customer's data on disk (${TEST_DB})`, () => {
  let world: World;
  let erased: { id: string; name: string; email: string; body: string };
  let kept: { id: string; name: string; email: string; body: string };

  /** A customer with an overdue invoice who has been sent the first reminder, with the text of that email. */
  async function remindedCustomer(name: string, email: string) {
    const id = await world.customer({ name, email });
    await world.method(id, 'tok_insufficient_funds');
    await world.invoice(id, { total: 5_000, dueAt: START });
    return { id, name, email };
  }

  beforeAll(async () => {
    world = await createWorld(START);
    const grace = await remindedCustomer('Grace Hopper-Zuse', 'grace.hopper.zuse@example.org');
    const alan = await remindedCustomer('Alan Turing-Babbage', 'alan.turing.babbage@example.org');
    await world.advance(START); // remind-day-0 for both
    const bodies = await world.runtime.database.db
      .selectFrom('messages')
      .select(['customer_id', 'body_text'])
      .execute();
    const body = (customerId: string) => bodies.find((m) => m.customer_id === customerId)!.body_text;
    erased = { ...grace, body: body(grace.id) };
    kept = { ...alan, body: body(alan.id) };
    expect(erased.body).toContain(grace.name); // the text is the customer's own
  });
  afterAll(async () => {
    await world?.close();
  });

  if (TEST_DB === 'sqlite') {
    it('leaves no trace of the name, email address or message text in the database file or its log', async () => {
      const file = parseDatabaseUrl(world.runtime.database.url).target;
      const scan = (needle: string) => occurrences(file, needle) + occurrences(`${file}-wal`, needle);
      // The scan finds what is there: before the erasure, and for the customer who stays.
      for (const needle of [erased.name, erased.body]) expect(scan(needle), needle).toBeGreaterThan(0);

      const report = await eraseCustomer(
        world.runtime.database,
        world.runtime.deps.cipher,
        erased.id,
        START + 1,
      );
      expect(report).toMatchObject({ alreadyErased: false, reclaimed: true });

      for (const needle of [erased.name, erased.email, erased.body]) expect(scan(needle), needle).toBe(0);
      for (const needle of [kept.name, kept.body]) expect(scan(needle), needle).toBeGreaterThan(0);
    });
  }

  if (TEST_DB === 'postgres') {
    it('vacuums the tables it rewrote, so their dead row versions are removed', async () => {
      const db = world.runtime.database.db;
      const vacuumed = async () =>
        (
          await sql<{ relname: string }>`select relname from pg_stat_user_tables
            where last_vacuum is not null order by relname`.execute(db)
        ).rows.map((r) => r.relname);
      expect(await vacuumed()).toEqual([]);

      const report = await eraseCustomer(
        world.runtime.database,
        world.runtime.deps.cipher,
        erased.id,
        START + 1,
      );
      expect(report).toMatchObject({ alreadyErased: false, reclaimed: true });

      expect(await vacuumed()).toEqual(['cases', 'customers', 'messages', 'timeline_events']);
      // The live rows say the same: nothing of the erased customer, everything of the other.
      const messages = await db.selectFrom('messages').select(['customer_id', 'body_text']).execute();
      expect(messages.find((m) => m.customer_id === erased.id)!.body_text).toBe('[erased]');
      expect(messages.find((m) => m.customer_id === kept.id)!.body_text).toBe(kept.body);
    });
  }
});
