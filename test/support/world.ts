import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Channel } from '../../src/channels/channel.ts';
import { OutboxChannel } from '../../src/channels/email/outbox-channel.ts';
import { WebhookChannel } from '../../src/channels/webhook/webhook-channel.ts';
import { type RecoupConfig, loadConfig } from '../../src/config/env.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { newId } from '../../src/engine/ids.ts';
import { tick } from '../../src/engine/tick.ts';
import { MemoryLedger } from '../../src/gateways/sandbox/memory-ledger.ts';
import { type Runtime, openRuntime } from '../../src/runtime/runtime.ts';
import { Keyring } from '../../src/security/keyring.ts';
import { insertCustomers } from '../../src/store/customer-contacts.ts';
import type { CollectionMethod } from '../../src/store/tables.ts';
import { freshDatabaseUrl } from './databases.ts';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** A Recoup on a fresh test database with a virtual clock, a local outbox and an in-memory sandbox ledger. */
export interface World {
  readonly runtime: Runtime;
  readonly clock: VirtualClock;
  readonly outbox: string;
  /** Moves the clock and runs a tick at the new time. */
  advance(to: number): Promise<void>;
  customer(
    input?: Partial<{
      name: string;
      email: string | null;
      locale: string;
      timeZone: string;
      optedOut: string[];
      attributes: Record<string, unknown>;
    }>,
  ): Promise<string>;
  method(
    customerId: string,
    token: string,
    input?: Partial<{ priority: number; expMonth: number; expYear: number; status: 'active' | 'disabled' }>,
  ): Promise<string>;
  invoice(
    customerId: string,
    input: {
      total: number;
      currency?: string;
      dueAt: number;
      collection?: CollectionMethod;
      failedAt?: number | null;
      failureCode?: string | null;
    },
  ): Promise<string>;
  close(): Promise<void>;
}

/** Builds a world starting at `start`; pass channels to replace the outbox. */
export async function createWorld(
  start: number,
  options: { channels?: Map<string, Channel>; config?: Partial<RecoupConfig> } = {},
): Promise<World> {
  const target = await freshDatabaseUrl();
  const outbox = mkdtempSync(join(tmpdir(), 'recoup-outbox-'));
  const clock = new VirtualClock(start);
  // A key of the test's own, so tests never touch the key file in the working directory.
  const encryptionKeys = new Keyring([{ id: 'test', material: randomBytes(32) }], 'test keyring');
  const config = {
    ...loadConfig({}),
    databaseUrl: target.url,
    outboxDir: outbox,
    encryptionKeys,
    ...options.config,
  };
  const runtime = await openRuntime(config, {
    clock,
    ledger: new MemoryLedger(),
    logger: pino({ level: 'silent' }),
    channels:
      options.channels ??
      new Map<string, Channel>([
        ['email', new OutboxChannel({ from: 'billing@example.com', folder: outbox })],
        // As the runtime wires it: policy webhook steps obey RECOUP_WEBHOOK_SECRET and RECOUP_WEBHOOK_ALLOW_PRIVATE.
        [
          'webhook',
          new WebhookChannel({ secret: config.webhookSecret, allowPrivate: config.webhookAllowPrivate }),
        ],
      ]),
    owner: 'test-worker',
  });
  const db = runtime.database.db;
  return {
    runtime,
    clock,
    outbox,
    async advance(to) {
      clock.set(to);
      await tick(runtime.deps, to);
    },
    async customer(input = {}) {
      const id = newId('cus');
      await insertCustomers(db, runtime.deps.cipher, [
        {
          id,
          external_id: id,
          name: input.name ?? 'Ada Lovelace',
          email: input.email === undefined ? 'ada@example.com' : input.email,
          phone: null,
          address: null,
          locale: input.locale ?? 'en-US',
          time_zone: input.timeZone ?? 'UTC',
          attributes: JSON.stringify(input.attributes ?? {}),
          opted_out: JSON.stringify(input.optedOut ?? []),
          created_at: clock.now(),
          updated_at: clock.now(),
        },
      ]);
      return id;
    },
    async method(customerId, token, input = {}) {
      const id = newId('pm');
      await db
        .insertInto('payment_methods')
        .values({
          id,
          external_id: id,
          customer_id: customerId,
          token,
          type: 'card',
          brand: 'visa',
          last4: '4242',
          exp_month: input.expMonth ?? 12,
          exp_year: input.expYear ?? 2099,
          priority: input.priority ?? 1,
          status: input.status ?? 'active',
          created_at: clock.now(),
          updated_at: clock.now(),
        })
        .execute();
      return id;
    },
    async invoice(customerId, input) {
      const id = newId('inv');
      const collection = input.collection ?? 'charge_automatically';
      await db
        .insertInto('invoices')
        .values({
          id,
          external_id: id,
          customer_id: customerId,
          number: id,
          currency: input.currency ?? 'USD',
          total: input.total,
          amount_paid: 0,
          due_at: input.dueAt,
          status: 'open',
          collection,
          failed_at: collection === 'charge_automatically' ? (input.failedAt ?? input.dueAt) : null,
          failure_code:
            collection === 'charge_automatically' ? (input.failureCode ?? 'insufficient_funds') : null,
          case_id: null,
          created_at: clock.now(),
          updated_at: clock.now(),
        })
        .execute();
      return id;
    },
    async close() {
      await runtime.close();
      await target.drop();
    },
  };
}
