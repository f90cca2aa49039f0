import type { Command } from 'commander';
import { SCOPES } from '../../api/auth/permissions.ts';
import type { KeyScope } from '../../store/schema/api.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { table } from '../format.ts';
import { type ListFlags, jsonOption, jsonRow, printJsonList } from '../listing.ts';
import { nowOption } from '../now-option.ts';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** `recoup keys create|list|revoke` for API keys; returns the `keys` command so other key kinds can join it. */
export function registerKeys(program: Command): Command {
  const keys = program.command('keys').description('API keys (and encryption keys)');
  keys
    .command('create')
    .description('create an API key and print it once; only its hash is stored')
    .requiredOption('--scope <scope>', `one of ${SCOPES.join(', ')}`)
    .option('--name <name>', 'what the key is for', 'cli')
    .addOption(nowOption('record the key as created at this instant (default: the current time)'))
    .action(async (options: { scope: string; name: string }) => {
      if (!SCOPES.includes(options.scope as KeyScope)) {
        throw new UsageError(
          `keys create: --scope: expected one of ${SCOPES.join(', ')}, got '${options.scope}'`,
        );
      }
      const { createApiKey } = await import('../../access/api-keys.ts');
      await withRuntime(async ({ database, deps }) => {
        const made = await createApiKey(database.db, {
          name: options.name,
          scope: options.scope as KeyScope,
          createdBy: 'cli',
          now: deps.clock.now(),
        });
        console.log(
          `created ${made.key.scope} key ${made.key.prefix} (${made.key.id}); it is shown this once:`,
        );
        console.log(made.secret);
      });
    });
  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .addOption(jsonOption())
    .action(async (options: ListFlags) => {
      const { listApiKeys } = await import('../../access/api-keys.ts');
      await withRuntime(async ({ database }) => {
        const rows = await listApiKeys(database.db);
        if (options.json) return printJsonList(rows.map(jsonRow));
        console.log(
          table(
            ['id', 'prefix', 'scope', 'name', 'created', 'last used', 'revoked'],
            rows.map((k) => [
              k.id,
              k.prefix,
              k.scope,
              k.name,
              iso(k.created_at),
              iso(k.last_used_at),
              iso(k.revoked_at),
            ]),
          ),
        );
      });
    });
  keys
    .command('revoke')
    .argument('<id>', 'key id or prefix (rcp_…)')
    .description('revoke an API key at once')
    .addOption(nowOption('record the key as revoked at this instant (default: the current time)'))
    .action(async (id: string) => {
      const { revokeApiKey } = await import('../../access/api-keys.ts');
      await withRuntime(async ({ database, deps }) => {
        const key = await revokeApiKey(database.db, id, deps.clock.now());
        if (!key) throw new UsageError(`keys revoke: no API key '${id}'`);
        console.log(`revoked ${key.prefix} (${key.id})`);
      });
    });
  return keys;
}
