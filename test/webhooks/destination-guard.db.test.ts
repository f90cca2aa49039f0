import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/policies/policy-file.ts';
import { applyPolicyVersion } from '../../src/store/policies.ts';
import { MAX_ATTEMPTS } from '../../src/webhooks/backoff.ts';
import { deliverWebhooks } from '../../src/webhooks/deliver.ts';
import { fanOutEvents } from '../../src/webhooks/fan-out.ts';
import { verifyWebhookSignature } from '../../src/webhooks/signature.ts';
import { createSubscription } from '../../src/webhooks/subscriptions.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { TEST_DB } from '../support/databases.ts';
import { seedFailedRenewals } from '../support/seed.ts';
import { DAY, HOUR, type World, createWorld } from '../support/world.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const START = Date.UTC(2026, 2, 2, 12);
const HINT = 'set RECOUP_WEBHOOK_ALLOW_PRIVATE=true to allow';
const LOOPBACK_NAME = new RegExp(
  `^destination resolves to a loopback address (127\\.0\\.0\\.1|::1); ${HINT}$`,
);
const SECRET = 'policy-webhook-secret-0123456789';

describe(`the webhook destination guard on ${TEST_DB}`, () => {
  let api: ApiWorld | undefined;
  let world: World | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    await api?.close();
    await world?.close();
    api = undefined;
    world = undefined;
    receiver = undefined;
  });

  it('refuses a subscription to the metadata address, a loopback literal or credentials at the API, naming body.url', async () => {
    api = await createApiWorld();
    const post = (url: string) =>
      api!.call({ role: 'admin' }, { method: 'POST', url: '/v1/webhook-subscriptions', body: { url } });
    const metadata = await post('http://169.254.169.254/latest/meta-data/');
    expect(metadata.statusCode, metadata.body).toBe(400);
    expect(metadata.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(metadata.json()).toMatchObject({
      status: 400,
      detail: `body.url: destination is a link-local address 169.254.169.254; ${HINT}`,
      errors: [{ field: 'body.url', reason: `destination is a link-local address 169.254.169.254; ${HINT}` }],
    });
    for (const url of ['http://127.0.0.1:4000/', 'http://[::1]/', 'http://10.0.0.5/', 'http://0x7f000001/']) {
      const refused = await post(url);
      expect(refused.statusCode, url).toBe(400);
      expect(refused.json().errors[0].field).toBe('body.url');
    }
    const credentials = await post('https://user:pass@hooks.example.com/in');
    expect(credentials.statusCode).toBe(400);
    expect(credentials.json().errors).toEqual([
      {
        field: 'body.url',
        reason: 'must not carry credentials (user:pass@): receivers authenticate Recoup by its signature',
      },
    ]);
    const list = () =>
      api!
        .call({ scope: 'admin' }, { method: 'GET', url: '/v1/webhook-subscriptions' })
        .then((r) => r.json());
    expect((await list()).data).toEqual([]);

    // A name is accepted (it is checked when delivering); changing it to a private literal is refused.
    const made = await post('https://hooks.example.com/in');
    expect(made.statusCode, made.body).toBe(201);
    const patched = await api.call(
      { role: 'admin' },
      {
        method: 'PATCH',
        url: `/v1/webhook-subscriptions/${made.json().id}`,
        body: { url: 'http://192.168.1.20/hook' },
      },
    );
    expect(patched.statusCode).toBe(400);
    expect(patched.json().errors).toEqual([
      { field: 'body.url', reason: `destination is a private address 192.168.1.20; ${HINT}` },
    ]);
    expect((await list()).data.map((s: { url: string }) => s.url)).toEqual(['https://hooks.example.com/in']);
  });

  it('never delivers to a name resolving to loopback: each attempt records why, and the delivery is given up', async () => {
    world = await createWorld(START);
    const db = world.runtime.database.db;
    receiver = await startReceiver(() => 'ok');
    const port = new URL(receiver.url).port;
    const named = await createSubscription(db, { url: `http://localhost:${port}/named` }, START);
    // Stored while private destinations were allowed; the guard, now on, refuses it when delivering.
    const literal = await createSubscription(db, { url: `${receiver.url}/literal` }, START, {
      allowPrivate: true,
    });
    await seedFailedRenewals(db, 3, START);
    await world.advance(START);

    const deps = world.runtime.deps;
    let now = Date.now();
    await fanOutEvents(deps.database, { now, limit: 1_000 });
    const first = await deliverWebhooks(deps, { now, limit: 100, timeoutMs: 5_000 });
    expect(first.claimed).toBeGreaterThan(0);
    expect(first).toMatchObject({ delivered: 0, gaveUp: 0 });
    expect(first.retrying).toBeGreaterThanOrEqual(6); // at least one chain head per case and subscription
    const tried = await db.selectFrom('webhook_deliveries').selectAll().where('attempts', '>', 0).execute();
    expect(tried.length).toBe(first.retrying);
    for (const d of tried) {
      expect(d).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
      expect(d.next_attempt_at).toBeGreaterThan(now);
      if (d.subscription_id === named.subscription.id) expect(d.last_error).toMatch(LOOPBACK_NAME);
      else expect(d.last_error).toBe(`destination is a loopback address 127.0.0.1; ${HINT}`);
    }

    // Like any failure it is retried with backoff, and given up after MAX_ATTEMPTS: never retried forever.
    for (let rounds = 0; ; rounds++) {
      expect(rounds).toBeLessThan(2_000);
      await fanOutEvents(deps.database, { now, limit: 1_000 });
      const report = await deliverWebhooks(deps, { now, limit: 100, timeoutMs: 5_000 });
      expect(report.delivered).toBe(0);
      const pending = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.min('next_attempt_at').as('at'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (pending?.at === null || pending?.at === undefined) break;
      if (report.claimed === 0) now = Math.max(now + 6 * HOUR, Number(pending.at));
    }
    const deliveries = await db.selectFrom('webhook_deliveries').selectAll().execute();
    const events = await db.selectFrom('outbox_events').select('id').execute();
    expect(deliveries.length).toBe(2 * events.length);
    expect(deliveries.every((d) => d.status === 'failed' && d.attempts === MAX_ATTEMPTS)).toBe(true);
    expect(new Set(deliveries.map((d) => d.subscription_id))).toEqual(
      new Set([named.subscription.id, literal.subscription.id]),
    );
    expect(receiver.arrivals).toEqual([]);
  }, 60_000);

  it('fails a policy webhook step to a loopback name for good, and sends it signed once private destinations are allowed', async () => {
    receiver = await startReceiver(() => 'ok');
    const port = new URL(receiver.url).port;
    const run = async (url: string, allowPrivate: boolean) => {
      world = await createWorld(START, {
        config: { webhookSecret: SECRET, webhookAllowPrivate: allowPrivate },
      });
      const db = world.runtime.database.db;
      const policy = parsePolicy(
        [
          'name: hooked',
          'anchor: first_failure',
          'steps:',
          `  - { id: notify, offset: PT0S, action: webhook, url: "${url}" }`,
          '  - { id: retry-1, offset: P2D, action: retry }',
        ].join('\n'),
      );
      if (!policy.ok) throw new Error(JSON.stringify(policy.errors));
      await applyPolicyVersion(db, policy.value, '', START);
      const customer = await world.customer({ attributes: { policy: 'hooked' } });
      await world.method(customer, 'tok_sim_insufficient_funds_never');
      await world.invoice(customer, {
        total: 4_900,
        dueAt: START,
        failedAt: START,
        failureCode: 'insufficient_funds',
      });
      for (let t = START; t <= START + 3 * DAY; t += 6 * HOUR) await world.advance(t);
      const messages = await db.selectFrom('messages').selectAll().execute();
      const steps = await db
        .selectFrom('scheduled_steps')
        .selectAll()
        .where('step_id', '=', 'notify')
        .execute();
      const timeline = await db
        .selectFrom('timeline_events')
        .selectAll()
        .where('step_id', '=', 'notify')
        .orderBy('id')
        .execute();
      const c = await db.selectFrom('cases').select('policy_version_id').executeTakeFirstOrThrow();
      expect(c.policy_version_id).toBe('hooked@1');
      return { messages, steps, timeline };
    };

    const refused = await run(`http://localhost:${port}/policy`, false);
    expect(refused.messages).toHaveLength(1);
    expect(refused.messages[0]).toMatchObject({ channel: 'webhook', status: 'failed' });
    expect(refused.messages[0]!.error).toMatch(LOOPBACK_NAME);
    expect(refused.steps.map((s) => s.status)).toEqual(['failed']);
    const failed = refused.timeline.filter((e) => e.type === 'message.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.rule).toMatch(/^permanent failure: destination resolves to a loopback address/);
    expect(refused.timeline.filter((e) => e.type === 'message.deferred')).toEqual([]);
    expect(receiver.arrivals).toEqual([]);
    await world!.close();
    world = undefined;

    const allowed = await run(`${receiver.url}/policy`, true);
    expect(allowed.messages.map((m) => m.status)).toEqual(['sent']);
    expect(allowed.steps.map((s) => s.status)).toEqual(['done']);
    expect(receiver.arrivals).toHaveLength(1);
    const arrival = receiver.arrivals[0]!;
    expect(arrival.path).toBe('/policy');
    // Signed with RECOUP_WEBHOOK_SECRET, exactly as outbound webhooks are signed with a subscription's secret.
    expect(verifyWebhookSignature(SECRET, arrival.signature, arrival.body)).toBe(true);
    expect(JSON.parse(arrival.body)).toMatchObject({ type: 'case.step', step_id: 'notify', currency: 'USD' });
  }, 60_000);
});
