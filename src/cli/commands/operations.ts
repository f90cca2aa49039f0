import type { Command } from 'commander';
import { IDEMPOTENCY_KEY_HOURS } from '../../maintenance/retention-settings.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { nowOption } from '../now-option.ts';

/** `recoup migrate`, `recoup leases release` and `recoup prune`: the operator's commands. */
export function registerOperations(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema and apply the shipped policies')
    .action(async () => {
      await withRuntime(async ({ config }) => {
        console.log(`database is up to date (${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`);
      });
    });

  program
    .command('leases')
    .description('inspect and release case leases')
    .command('release')
    .option('--owner <id>', "release one dead worker's leases (the id it logged at start)")
    .option('--all', 'release every lease (only when no worker is running)')
    .description(
      'free the cases a dead worker still leases, so they are worked at once instead of after expiry',
    )
    .action(async (options: { owner?: string; all?: boolean }) => {
      if (!options.owner && !options.all) throw new UsageError('leases release: give --owner <id> or --all');
      const { releaseLeases } = await import('../../store/scheduler.ts');
      await withRuntime(async ({ database }) => {
        const n = await releaseLeases(database.db, options.all ? undefined : options.owner);
        console.log(`released ${n} leases`);
      });
    });

  program
    .command('prune')
    .description(
      `delete delivered outbox events past RECOUP_EVENT_RETENTION_DAYS, inbound event ids past ` +
        `RECOUP_INBOUND_RETENTION_DAYS, idempotency keys older than ${IDEMPOTENCY_KEY_HOURS} hours and expired ` +
        'sessions (workers do this hourly)',
    )
    .option('--dry-run', 'count what would be deleted, and delete nothing')
    .addOption(nowOption('count ages back from this instant instead of the current time'))
    .action(async (options: { dryRun?: boolean }) => {
      const { pruneExpired } = await import('../../maintenance/retention.ts');
      await withRuntime(async ({ database, deps }) => {
        const r = await pruneExpired(database, deps.settings.retention, deps.clock.now(), {
          dryRun: options.dryRun ?? false,
        });
        const n = (v: number) => v.toLocaleString('en-US');
        console.log(
          `${options.dryRun ? 'would delete' : 'deleted'} ${n(r.events)} outbox events (with ${n(r.deliveries)} ` +
            `finished deliveries), ${n(r.inboundEvents)} inbound event ids, ${n(r.idempotencyKeys)} idempotency ` +
            `keys and ${n(r.sessions)} expired sessions`,
        );
      });
    });
}
