import type { Command } from 'commander';
import { releaseLeases } from '../../store/scheduler.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';

/** `recoup migrate` and `recoup leases release`: the operator's commands. */
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
      await withRuntime(async ({ database }) => {
        const n = await releaseLeases(database.db, options.all ? undefined : options.owner);
        console.log(`released ${n} leases`);
      });
    });
}
