import { createApiKey } from '../../../src/access/api-keys.ts';
import type { ApiWorld } from '../../support/api.ts';

/** Objects a route example can act on; each example gets its own fresh set. */
export interface Fixtures {
  readonly customerId: string;
  readonly paymentMethodId: string;
  /** An open, past-due invoice whose case the engine has opened. */
  readonly invoiceId: string;
  readonly caseId: string;
  /** The viewer: a user to read and change. */
  readonly userId: string;
  /** The agent: a user a case can be assigned to. */
  readonly agentId: string;
  readonly apiKeyId: string;
}

/**
 * One valid call of one route, with the status it answers when allowed. The contract test, the authorisation
 * matrix and the fuzz test all walk these, and each checks that every route in /openapi.json has one.
 */
export interface RouteExample {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The route as OpenAPI writes it: `/v1/cases/{id}`. */
  readonly path: string;
  url(f: Fixtures): string;
  body?(f: Fixtures): unknown;
  /** Headers the call needs beyond authentication (a webhook signature over the exact body sent). */
  headers?(f: Fixtures, body: string): Record<string, string>;
  readonly status: number;
  /** The call ends the caller's session (sign out): the harness signs in again afterwards. */
  readonly signsOut?: boolean;
  /** Extra setup beyond the standard fixtures (e.g. a second invoice). */
  prepare?(api: ApiWorld, f: Fixtures): Promise<void>;
}

/** Builds one fresh set of fixtures through the world's helpers and a tick, so a case is open. */
export async function makeFixtures(api: ApiWorld): Promise<Fixtures> {
  const { world } = api;
  const now = world.clock.now();
  const customerId = await world.customer();
  const paymentMethodId = await world.method(customerId, 'tok_insufficient_funds');
  const invoiceId = await world.invoice(customerId, { total: 12_000, dueAt: now - 86_400_000 });
  await world.advance(now);
  const db = world.runtime.database.db;
  const invoice = await db
    .selectFrom('invoices')
    .select('case_id')
    .where('id', '=', invoiceId)
    .executeTakeFirstOrThrow();
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'viewer')
    .executeTakeFirstOrThrow();
  const agent = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'agent')
    .executeTakeFirstOrThrow();
  const spare = await createApiKey(db, { name: 'spare', scope: 'read', createdBy: null, now });
  return {
    customerId,
    paymentMethodId,
    invoiceId,
    caseId: invoice.case_id!,
    userId: user.id,
    agentId: agent.id,
    apiKeyId: spare.key.id,
  };
}
