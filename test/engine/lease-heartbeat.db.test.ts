import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineDeps } from '../../src/engine/deps.ts';
import { runBatch } from '../../src/engine/run-batch.ts';
import type { ChargeRequest, PaymentGateway } from '../../src/gateways/gateway.ts';
import { TEST_DB } from '../support/databases.ts';
import { DAY, type World, createWorld } from '../support/world.ts';

const START = Date.UTC(2026, 2, 2, 12);
const CASES = 6;
const LEASE_MS = 2_000;
// Every charge takes three leases: without renewals while it waits, the batch's leases expire mid-batch.
const GATEWAY_DELAY_MS = 3 * LEASE_MS;

let world: World;
beforeAll(async () => {
  world = await createWorld(START);
  for (let i = 0; i < CASES; i++) {
    const customer = await world.customer({ name: `Customer ${i}` });
    await world.method(customer, 'tok_ok');
    await world.invoice(customer, { total: 5_000 + i, dueAt: START, failedAt: START });
  }
  // Day 0: the cases open and their first reminder goes; the retry falls due a day later.
  await world.advance(START);
});
afterAll(async () => world?.close());

/** A worker of its own (owner, short lease, a log it keeps) whose gateway is slow and says who charged what. */
function slowWorker(owner: string, charged: { owner: string; key: string }[], onCharge: () => void) {
  const { deps } = world.runtime;
  const lines: string[] = [];
  const gateway: PaymentGateway = {
    name: deps.gateway.name,
    chargesPerInvoice: deps.gateway.chargesPerInvoice,
    async charge(request: ChargeRequest) {
      charged.push({ owner, key: request.idempotencyKey });
      onCharge();
      await sleep(GATEWAY_DELAY_MS);
      return deps.gateway.charge(request);
    },
  };
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const worker: EngineDeps = {
    ...deps,
    gateway,
    logger,
    settings: { ...deps.settings, owner, leaseMs: LEASE_MS },
  };
  return { deps: worker, lines };
}

describe(`lease heartbeat on ${TEST_DB}`, () => {
  it('keeps a batch slower than its lease to itself: no case is taken or charged twice', async () => {
    const now = START + DAY;
    world.clock.set(now);
    const charged: { owner: string; key: string }[] = [];
    let charging!: () => void;
    const firstCharge = new Promise<void>((r) => {
      charging = r;
    });
    const a = slowWorker('worker-a', charged, () => charging());
    const b = slowWorker('worker-b', charged, () => undefined);

    let aDone = false;
    const batchA = runBatch(a.deps, now).finally(() => {
      aDone = true;
    });
    await firstCharge;
    // A case taken from under A: its heartbeat says so.
    const stolen = await world.runtime.database.db
      .selectFrom('cases')
      .select('id')
      .where('lease_owner', '=', 'worker-a')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await world.runtime.database.db
      .updateTable('cases')
      .set({ lease_owner: 'someone-else', lease_expires_at: Date.now() + 3_600_000 })
      .where('id', '=', stolen.id)
      .execute();
    // Meanwhile B keeps trying to claim, for as long as A's batch works (well past A's lease).
    const claimsByB: number[] = [];
    while (!aDone) {
      claimsByB.push((await runBatch(b.deps, now)).claimed);
      await sleep(LEASE_MS / 5);
    }
    const reportA = await batchA;

    expect(reportA.claimed).toBe(CASES);
    expect(claimsByB.length).toBeGreaterThan(3);
    expect(claimsByB.every((n) => n === 0)).toBe(true);
    expect(charged.every((c) => c.owner === 'worker-a')).toBe(true);
    expect(new Set(charged.map((c) => c.key)).size).toBe(charged.length);
    expect(charged).toHaveLength(CASES);
    const lost = a.lines.map((l) => JSON.parse(l)).find((l) => /leases lost/.test(l.msg));
    expect(lost).toMatchObject({ owner: 'worker-a', lost: 1, cases: [stolen.id] });

    // Every case A still held is recorded; the stolen one is left to whoever holds it.
    const steps = await world.runtime.database.db
      .selectFrom('scheduled_steps')
      .select(['case_id', 'status'])
      .where('step_id', '=', 'retry-1')
      .execute();
    expect(
      steps
        .filter((s) => s.status === 'done')
        .map((s) => s.case_id)
        .sort(),
    ).toEqual(
      steps
        .map((s) => s.case_id)
        .filter((id) => id !== stolen.id)
        .sort(),
    );
  }, 60_000);
});
