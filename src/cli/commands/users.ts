import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { ROLES } from '../../api/auth/permissions.ts';
import { InputError } from '../../domain/input-error.ts';
import type { Role } from '../../store/schema/api.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { table } from '../format.ts';
import { type ListFlags, jsonOption, jsonRow, printJsonList } from '../listing.ts';
import { nowOption } from '../now-option.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `recoup users create|list`: people who sign in to the dashboard. */
export function registerUsers(program: Command): void {
  const users = program.command('users').description('people who sign in to the dashboard and API');
  users
    .command('create')
    .description(
      'create a user (the first admin, for example); prints a generated password once unless given one',
    )
    .requiredOption('--email <email>', 'login email')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .addOption(nowOption('record the user as created at this instant (default: the current time)'))
    .action(async (options: { email: string; role: string; name?: string; passwordStdin?: boolean }) => {
      if (!ROLES.includes(options.role as Role)) {
        throw new UsageError(
          `users create: --role: expected one of ${ROLES.join(', ')}, got '${options.role}'`,
        );
      }
      const generated = options.passwordStdin ? null : randomBytes(18).toString('base64url');
      const password = generated ?? (await readStdin());
      const { createUser } = await import('../../access/users.ts');
      await withRuntime(async ({ database, deps }) => {
        try {
          const user = await createUser(database.db, {
            email: options.email,
            role: options.role as Role,
            password,
            now: deps.clock.now(),
            ...(options.name === undefined ? {} : { name: options.name }),
          });
          console.log(`created ${user.role} ${user.email} (${user.id})`);
          if (generated) console.log(`password (shown once): ${generated}`);
        } catch (error) {
          if (error instanceof InputError)
            throw new UsageError(`users create: --${error.field}: ${error.reason}`);
          throw error;
        }
      });
    });
  users
    .command('list')
    .description('list users')
    .addOption(jsonOption())
    .action(async (options: ListFlags) => {
      const { listUsers } = await import('../../access/users.ts');
      await withRuntime(async ({ database }) => {
        const rows = await listUsers(database.db);
        if (options.json) return printJsonList(rows.map(jsonRow));
        console.log(
          table(
            ['id', 'email', 'role', 'disabled'],
            rows.map((u) => [u.id, u.email, u.role, u.disabled_at === null ? '' : 'yes']),
          ),
        );
      });
    });
}
