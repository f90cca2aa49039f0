import { randomBytes } from 'node:crypto';
import { newId } from '../engine/ids.ts';
import type { Db } from '../store/database.ts';
import type { WebhookSubscriptionRow } from '../store/schema/webhooks.ts';
import { destinationUrlProblem } from './destination.ts';
import { SubscriptionNotFoundError, WebhookInputError } from './errors.ts';
import { eventPatternProblem, parsePatterns } from './event-patterns.ts';

export { replayDeliveries, type ReplayOptions } from './replay.ts';

/** A subscription as shown to people and programs: everything but its secret. */
export interface WebhookSubscription {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: string[];
  readonly description: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly disabledAt: number | null;
}

/** What a subscription is created with; `eventTypes` defaults to every type (`*`). */
export interface SubscriptionInput {
  readonly url: string;
  readonly eventTypes?: readonly string[];
  readonly description?: string | null;
}

/** Whether a subscription's URL may name a non-public IP address (RECOUP_WEBHOOK_ALLOW_PRIVATE); default no. */
export interface DestinationRules {
  readonly allowPrivate?: boolean;
}

/**
 * Creates a subscription with a new random signing secret. The secret is returned here and never again: whoever
 * creates the subscription hands it to the receiver, which verifies every delivery with it.
 */
export async function createSubscription(
  db: Db,
  input: SubscriptionInput,
  now: number,
  rules: DestinationRules = {},
): Promise<{ subscription: WebhookSubscription; secret: string }> {
  const row: WebhookSubscriptionRow = {
    id: newId('whs'),
    url: checkUrl(input.url, rules),
    event_types: JSON.stringify(checkPatterns(input.eventTypes ?? ['*'])),
    secret: `whsec_${randomBytes(32).toString('base64url')}`,
    description: checkDescription(input.description ?? null),
    created_at: now,
    updated_at: now,
    disabled_at: null,
  };
  await db.insertInto('webhook_subscriptions').values(row).execute();
  return { subscription: toSubscription(row), secret: row.secret };
}

/** Every subscription, oldest first; disabled ones too unless `activeOnly`. */
export async function listSubscriptions(
  db: Db,
  options: { activeOnly?: boolean } = {},
): Promise<WebhookSubscription[]> {
  let q = db.selectFrom('webhook_subscriptions').selectAll().orderBy('created_at').orderBy('id');
  if (options.activeOnly) q = q.where('disabled_at', 'is', null);
  return (await q.execute()).map(toSubscription);
}

/** One subscription, or null. */
export async function getSubscription(db: Db, id: string): Promise<WebhookSubscription | null> {
  const row = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toSubscription(row) : null;
}

/** Changes a subscription's URL, event types or description; new patterns apply to events fanned out from now. */
export async function updateSubscription(
  db: Db,
  id: string,
  patch: Partial<SubscriptionInput>,
  now: number,
  rules: DestinationRules = {},
): Promise<WebhookSubscription> {
  const set: Partial<WebhookSubscriptionRow> = { updated_at: now };
  if (patch.url !== undefined) set.url = checkUrl(patch.url, rules);
  if (patch.eventTypes !== undefined) set.event_types = JSON.stringify(checkPatterns(patch.eventTypes));
  if (patch.description !== undefined) set.description = checkDescription(patch.description);
  const row = await db
    .updateTable('webhook_subscriptions')
    .set(set)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new SubscriptionNotFoundError(id);
  return toSubscription(row);
}

/**
 * Disables a subscription: nothing more is fanned out or delivered to it, from the next claim on. Its pending
 * deliveries stay as they are (a request already in flight completes).
 */
export async function disableSubscription(db: Db, id: string, now: number): Promise<WebhookSubscription> {
  const row = await db
    .updateTable('webhook_subscriptions')
    .set((eb) => ({ disabled_at: eb.fn.coalesce('disabled_at', eb.val(now)), updated_at: now }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new SubscriptionNotFoundError(id);
  return toSubscription(row);
}

function toSubscription(row: WebhookSubscriptionRow): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    eventTypes: parsePatterns(row.event_types),
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    disabledAt: row.disabled_at,
  };
}

// Host names are not resolved here: what they resolve to can change, so deliveries check it every time.
function checkUrl(url: string, rules: DestinationRules): string {
  const problem = destinationUrlProblem(url, rules.allowPrivate ?? false);
  if (problem) throw new WebhookInputError('url', problem);
  if (url.length > 2_000) throw new WebhookInputError('url', 'longer than 2000 characters');
  return url;
}

function checkPatterns(patterns: readonly string[]): string[] {
  const problem = eventPatternProblem(patterns);
  if (problem) throw new WebhookInputError('eventTypes', problem);
  return [...new Set(patterns)];
}

function checkDescription(description: string | null): string | null {
  if (description !== null && description.length > 500)
    throw new WebhookInputError('description', 'longer than 500 characters');
  return description;
}
