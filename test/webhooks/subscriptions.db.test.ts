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
    const other = await createSubscription(db, { url: 'http://127.0.0.1:9/x' }, NOW);
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
    expect(await listSubscriptions(db)).toEqual([]);
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
