import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel, OutboundMessage, SendResult } from '../../src/channels/channel.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, type World, createWorld } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 12); // Monday, 13:00 in Berlin

/** A channel that holds every send until the test opens it, and cannot tell whether a message left (as SMTP). */
class HeldChannel implements Channel {
  readonly name = 'email';
  readonly concurrency = 3;
  readonly held: (() => void)[] = [];
  open = false;
  sends = 0;
  async send(message: OutboundMessage): Promise<SendResult> {
    this.sends += 1;
    if (!this.open) await new Promise<void>((resolve) => this.held.push(resolve));
    return { status: 'sent', providerId: `<${message.id}@test>` };
  }
  release(): void {
    this.open = true;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

async function failedCards(world: World, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const customer = await world.customer({ timeZone: 'Europe/Berlin', email: `c${i}@example.com` });
    await world.method(customer, 'tok_sim_insufficient_funds_never');
    await world.invoice(customer, { total: 1_000 + i, dueAt: START - DAY });
  }
}

/** Puts a sent reminder back where a crash between its send and its record leaves it: `sending`, step pending. */
async function interrupt(world: World, messageId: string): Promise<void> {
  const db = world.runtime.database.db;
  const m = await db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
  await db.updateTable('messages').set({ status: 'sending', sent_at: null }).where('id', '=', m.id).execute();
  await db
    .updateTable('scheduled_steps')
    .set({ status: 'pending', completed_at: null })
    .where('case_id', '=', m.case_id)
    .where('step_id', '=', m.step_id)
    .execute();
  await db.updateTable('cases').set({ next_due_at: m.created_at }).where('id', '=', m.case_id).execute();
}

describe(`message intents on ${TEST_DB}`, () => {
  let world: World;
  afterEach(async () => world?.close());

  it("records a message's intent just before it leaves: mid-batch, at most the channel's concurrency are in doubt", async () => {
    const channel = new HeldChannel();
    world = await createWorld(START, { channels: new Map([['email', channel]]) });
    await failedCards(world, 10);
    const ticking = world.advance(START);
    while (channel.held.length < channel.concurrency) await turn();
    // A kill now would leave these, and only these, without an outcome.
    const db = world.runtime.database.db;
    const recorded = await db.selectFrom('messages').select('status').execute();
    expect(recorded.map((m) => m.status)).toEqual(['sending', 'sending', 'sending']);
    channel.release();
    await ticking;
    const sent = await db.selectFrom('messages').select('status').where('status', '=', 'sent').execute();
    expect(sent).toHaveLength(10);
  });

  it('asks the outbox whether an interrupted send left: sent if its file is there, else sent again under its id', async () => {
    world = await createWorld(START);
    await failedCards(world, 2);
    await world.advance(START);
    const db = world.runtime.database.db;
    const [written, lost] = await db.selectFrom('messages').selectAll().orderBy('id').execute();
    await interrupt(world, written!.id);
    await interrupt(world, lost!.id);
    rmSync(join(world.outbox, `${lost!.id}.eml`)); // the kill came before the file was published
    await world.advance(START + 60_000);

    const after = await db.selectFrom('messages').select(['id', 'status']).orderBy('id').execute();
    expect(after).toEqual([
      { id: written!.id, status: 'sent' },
      { id: lost!.id, status: 'sent' },
    ]);
    expect(
      readdirSync(world.outbox)
        .filter((f) => f.endsWith('.eml'))
        .sort(),
    ).toEqual([`${written!.id}.eml`, `${lost!.id}.eml`].sort());
    const recovered = await db
      .selectFrom('timeline_events')
      .select('data')
      .where('case_id', '=', written!.case_id)
      .where('type', '=', 'message.sent')
      .orderBy('id')
      .execute();
    expect(recovered.map((e) => JSON.parse(e.data).recovered ?? false)).toEqual([false, true]);
    const steps = await db
      .selectFrom('scheduled_steps')
      .select('status')
      .where('status', '=', 'unknown')
      .execute();
    expect(steps).toEqual([]);
  });

  it('leaves a message unknown, never sent again, when its channel cannot tell', async () => {
    const channel = new HeldChannel();
    channel.open = true;
    world = await createWorld(START, { channels: new Map([['email', channel]]) });
    await failedCards(world, 1);
    await world.advance(START);
    const db = world.runtime.database.db;
    const m = await db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
    await interrupt(world, m.id);
    const sends = channel.sends;
    await world.advance(START + 60_000);
    const after = await db.selectFrom('messages').select(['id', 'status']).execute();
    expect(after).toEqual([{ id: m.id, status: 'unknown' }]);
    expect(channel.sends).toBe(sends);
    const step = await db
      .selectFrom('scheduled_steps')
      .select('status')
      .where('step_id', '=', m.step_id)
      .executeTakeFirstOrThrow();
    expect(step.status).toBe('unknown');
  });
});
