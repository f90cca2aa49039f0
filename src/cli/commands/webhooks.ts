import type { Command } from 'commander';
import { SubscriptionNotFoundError, WebhookInputError } from '../../webhooks/errors.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatInstant, table } from '../format.ts';
import { type ListFlags, jsonOption, printJsonList } from '../listing.ts';
import { nowOption } from '../now-option.ts';
import { parseInstant } from '../parse.ts';

// Loaded when a subcommand runs, so that `recoup --help` does not load the webhook machinery.
const subscriptionStore = () => import('../../webhooks/subscriptions.ts');

/** `recoup webhooks …`: outbound webhook subscriptions and their deliveries. */
export function registerWebhooks(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('outbound webhooks: subscriptions, and re-sending events to them');

  webhooks
    .command('list')
    .description('subscriptions with their deliveries by status')
    .addOption(jsonOption())
    .action(async (options: ListFlags) => {
      const { listSubscriptions } = await subscriptionStore();
      await withRuntime(async ({ database }) => {
        const subscriptions = await listSubscriptions(database.db);
        const counts = await database.db
          .selectFrom('webhook_deliveries')
          .select(['subscription_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy(['subscription_id', 'status'])
          .execute();
        const count = (id: string, status: string) =>
          String(counts.find((c) => c.subscription_id === id && c.status === status)?.n ?? 0);
        if (options.json) {
          return printJsonList(
            subscriptions.map((s) => ({
              id: s.id,
              url: s.url,
              event_types: s.eventTypes,
              description: s.description,
              disabled_at: s.disabledAt === null ? null : new Date(s.disabledAt).toISOString(),
              created_at: new Date(s.createdAt).toISOString(),
              deliveries: Object.fromEntries(
                ['pending', 'delivered', 'failed'].map((status) => [status, Number(count(s.id, status))]),
              ),
            })),
          );
        }
        console.log(
          table(
            ['id', 'url', 'events', 'state', 'pending', 'delivered', 'failed', 'created'],
            subscriptions.map((s) => [
              s.id,
              s.url,
              s.eventTypes.join(','),
              s.disabledAt === null ? 'active' : `disabled ${formatInstant(s.disabledAt)}`,
              count(s.id, 'pending'),
              count(s.id, 'delivered'),
              count(s.id, 'failed'),
              formatInstant(s.createdAt),
            ]),
          ),
        );
      });
    });

  webhooks
    .command('create')
    .description('subscribe a URL to events; prints the signing secret, once')
    .requiredOption('--url <url>', 'where to POST events, e.g. https://example.com/hooks/recoup')
    .option('--events <types>', 'comma-separated event types, case.* for a family, * for all', '*')
    .option('--description <text>', 'a note for people')
    .addOption(nowOption('record the subscription as created at this instant (default: the current time)'))
    .action(async (options: { url: string; events: string; description?: string }) => {
      const { createSubscription } = await subscriptionStore();
      await withRuntime(async ({ database, config, deps }) => {
        const { subscription, secret } = await asUsage(() =>
          createSubscription(
            database.db,
            {
              url: options.url,
              eventTypes: options.events.split(',').map((t) => t.trim()),
              description: options.description ?? null,
            },
            deps.clock.now(),
            { allowPrivate: config.webhookAllowPrivate },
          ),
        );
        console.log(`created ${subscription.id} for ${subscription.eventTypes.join(',')}`);
        console.log(`signing secret (shown only now): ${secret}`);
      });
    });

  webhooks
    .command('disable <id>')
    .description('stop delivering to a subscription')
    .addOption(nowOption('record the subscription as disabled at this instant (default: the current time)'))
    .action(async (id: string) => {
      const { disableSubscription } = await subscriptionStore();
      await withRuntime(async ({ database, deps }) => {
        const s = await asUsage(() => disableSubscription(database.db, id, deps.clock.now()));
        console.log(`disabled ${s.id}`);
      });
    });

  // No --now: re-queued deliveries are due by the wall clock, which the delivery loop goes by.
  webhooks
    .command('replay')
    .description('send events to a subscription again (by default: the deliveries it gave up)')
    .requiredOption('--subscription <id>', 'the subscription')
    .option('--since <instant>', 'every event created at or after this ISO 8601 instant')
    .option('--event <id...>', 'these events (evt_…)')
    .action(async (options: { subscription: string; since?: string; event?: string[] }) => {
      const since = options.since ? parseInstant(options.since, '--since') : undefined;
      const { replayDeliveries } = await subscriptionStore();
      await withRuntime(async ({ database }) => {
        const n = await asUsage(() =>
          replayDeliveries(database.db, {
            subscriptionId: options.subscription,
            since,
            eventIds: options.event,
          }),
        );
        console.log(`${n} deliveries queued to ${options.subscription}; a running worker sends them`);
      });
    });
}

async function asUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof WebhookInputError || error instanceof SubscriptionNotFoundError)
      throw new UsageError(error.message);
    throw error;
  }
}
