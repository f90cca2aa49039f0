import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { SubscriptionNotFoundError, WebhookInputError } from '../../src/webhooks/errors.ts';
import {
  createSubscription,
  disableSubscription,
  getSubscription,
  listSubscriptions,
  replayDeliveries,
  updateSubscription,
} from '../../src/webhooks/subscriptions.ts';
import { TEST_DB, freshDatabase } from '../support/databases.ts';

const NOW = Date.UTC(2026, 2, 2, 12);

describe(`webhook subscriptions on ${TEST_DB}`, () => {
  let database: Database;
  let cleanup: () => Promise<void>;
  afterEach(async () => cleanup?.());

  it('creates with a secret shown once, lists, gets, updates and disables', async () => {
    ({ database, cleanup } = await freshDatabase());
    const db = database.db;
    const { subscription, secret } = await createSubscription(
      db,
      { url: 'https://example.com/hooks', eventTypes: ['case.*', 'case.*', 'payment.succeeded'] },
      NOW,
    );
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(subscription).toEqual({
      id: expect.stringMatching(/^whs_/),
      url: 'https://example.com/hooks',
      eventTypes: ['case.*', 'payment.succeeded'],
      description: null,
      createdAt: NOW,
      updatedAt: NOW,
      disabledAt: null,
    });
    const other = await createSubscription(db, { url: 'http://127.0.0.1:9/x' }, NOW, { allowPrivate: true });
    expect(other.subscription.eventTypes).toEqual(['*']);
    expect(other.secret).not.toBe(secret);
    expect(await getSubscription(db, subscription.id)).toEqual(subscription);
    expect(JSON.stringify(await listSubscriptions(db))).not.toMatch(/whsec_/);

    const updated = await updateSubscription(
      db,
      subscription.id,
      { url: 'https://example.com/v2', description: 'finance' },
      NOW + 1,
    );
    expect(updated).toMatchObject({
      url: 'https://example.com/v2',
      description: 'finance',
      updatedAt: NOW + 1,
    });
    expect(updated.eventTypes).toEqual(['case.*', 'payment.succeeded']);

    const disabled = await disableSubscription(db, subscription.id, NOW + 2);
    expect(disabled.disabledAt).toBe(NOW + 2);
    expect((await disableSubscription(db, subscription.id, NOW + 3)).disabledAt).toBe(NOW + 2);
    expect((await listSubscriptions(db, { activeOnly: true })).map((s) => s.id)).toEqual([
      other.subscription.id,
    ]);
    await expect(replayDeliveries(db, { subscriptionId: subscription.id })).rejects.toThrow(/disabled/);
  });

  it('names the field that is wrong and refuses unknown ids', async () => {
    ({ database, cleanup } = await freshDatabase());
    const db = database.db;
    const fieldOf = async (p: Promise<unknown>) => {
      const error = await p.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookInputError);
      return (error as WebhookInputError).field;
    };
    expect(await fieldOf(createSubscription(db, { url: 'not a url' }, NOW))).toBe('url');
    expect(await fieldOf(createSubscription(db, { url: 'ftp://example.com' }, NOW))).toBe('url');
    expect(await fieldOf(createSubscription(db, { url: 'https://x.test', eventTypes: [] }, NOW))).toBe(
      'eventTypes',
    );
    expect(await fieldOf(createSubscription(db, { url: 'https://x.test', eventTypes: ['nope'] }, NOW))).toBe(
      'eventTypes',
    );
    // Credentials in the URL, and IP literals that are not public (however they are spelled), are refused.
    const reasonOf = async (p: Promise<unknown>) => {
      const error = await p.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookInputError);
      expect((error as WebhookInputError).field).toBe('url');
      return (error as Error).message;
    };
    expect(await reasonOf(createSubscription(db, { url: 'https://user:pass@example.com/h' }, NOW))).toBe(
      'url: must not carry credentials (user:pass@): receivers authenticate Recoup by its signature',
    );
    expect(await reasonOf(createSubscription(db, { url: 'http://169.254.169.254/latest' }, NOW))).toBe(
      'url: destination is a link-local address 169.254.169.254; set RECOUP_WEBHOOK_ALLOW_PRIVATE=true to allow',
    );
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://0x7f.1/',
      'http://[::1]/',
      'http://10.1.2.3/',
      'http://[fd00::1]/',
    ])
      expect(await reasonOf(createSubscription(db, { url }, NOW)), url).toMatch(/^url: destination is a /);
    expect(await listSubscriptions(db)).toEqual([]);
    // Allowed private destinations take IP literals, never credentials; names are only checked when delivering.
    const local = { allowPrivate: true };
    expect(await reasonOf(createSubscription(db, { url: 'http://u:p@127.0.0.1/' }, NOW, local))).toMatch(
      /credentials/,
    );
    const made = await createSubscription(db, { url: 'http://10.1.2.3/h' }, NOW, local);
    const named = await createSubscription(db, { url: 'http://localhost:9/h' }, NOW);
    expect(
      await reasonOf(updateSubscription(db, named.subscription.id, { url: 'http://[fe80::1]/' }, NOW)),
    ).toMatch(/^url: destination is a link-local address fe80::1;/);
    expect((await getSubscription(db, named.subscription.id))?.url).toBe('http://localhost:9/h');
    expect((await getSubscription(db, made.subscription.id))?.url).toBe('http://10.1.2.3/h');
    await expect(
      updateSubscription(db, 'whs_missing', { url: 'https://x.test' }, NOW),
    ).rejects.toBeInstanceOf(SubscriptionNotFoundError);
    await expect(disableSubscription(db, 'whs_missing', NOW)).rejects.toBeInstanceOf(
      SubscriptionNotFoundError,
    );
    await expect(replayDeliveries(db, { subscriptionId: 'whs_missing' })).rejects.toBeInstanceOf(
      SubscriptionNotFoundError,
    );
    expect(await getSubscription(db, 'whs_missing')).toBeNull();
  });
});
