import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_TEMPLATE_ROOT, TemplateRenderer } from '../../channels/templates/renderer.ts';
import { formatErrors } from '../../domain/validation.ts';
import { readPolicyFile } from '../../policies/policy-file.ts';
import { applyPolicyVersion, latestPolicyVersions, policyVersions } from '../../store/policies.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatInstant, table } from '../format.ts';

/** Reads a policy file and validates it against the schema and the known templates; throws with every error. */
async function loadValid(file: string) {
  const templates = new Set(new TemplateRenderer({ root: DEFAULT_TEMPLATE_ROOT }).list());
  let loaded: Awaited<ReturnType<typeof readPolicyFile>>;
  try {
    loaded = await readPolicyFile(resolve(file), templates);
  } catch (error) {
    throw new UsageError(
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  if (!loaded.result.ok)
    throw new UsageError(`${file}: invalid policy\n${formatErrors(loaded.result.errors)}`);
  return { source: loaded.source, compiled: loaded.result.value };
}

/** `recoup policy validate|apply|list|show`. */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('validate, apply and list dunning policies');

  policy
    .command('validate')
    .argument('<file>', 'a policy in YAML or JSON')
    .description('check a policy file and print every error with its path')
    .action(async (file: string) => {
      const { compiled } = await loadValid(file);
      console.log(
        `${file}: valid policy '${compiled.policy.name}' with ${compiled.policy.steps.length} steps`,
      );
    });

  policy
    .command('apply')
    .argument('<file>', 'a policy in YAML or JSON')
    .description(
      'store the policy as a new immutable version; running cases keep the version they started on',
    )
    .action(async (file: string) => {
      const { compiled, source } = await loadValid(file);
      await withRuntime(async ({ database, deps }) => {
        const row = await applyPolicyVersion(database.db, compiled, source, deps.clock.now());
        console.log(`applied ${row.id}: new cases start on version ${row.version}`);
      });
    });

  policy
    .command('list')
    .description('the newest version of every policy')
    .action(async () => {
      await withRuntime(async ({ database }) => {
        const rows = await latestPolicyVersions(database.db);
        console.log(
          table(
            ['policy', 'version', 'steps', 'applied'],
            rows.map((r) => [
              r.name,
              String(r.version),
              String(JSON.parse(r.document).steps.length),
              formatInstant(r.created_at),
            ]),
          ),
        );
      });
    });

  policy
    .command('show')
    .argument('<name>', 'policy name')
    .option('--version <n>', 'a version number (default: the newest)')
    .description('print a stored policy version as it was written')
    .action(async (name: string, options: { version?: string }) => {
      await withRuntime(async ({ database }) => {
        const versions = await policyVersions(database.db, name);
        const chosen = options.version
          ? versions.find((v) => String(v.version) === options.version)
          : versions.at(-1);
        if (!chosen)
          throw new UsageError(
            `policy: no policy '${name}'${options.version ? ` version ${options.version}` : ''}`,
          );
        console.log(`# ${chosen.id} (${formatInstant(chosen.created_at)})\n${chosen.source}`);
      });
    });
}
