import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_TEMPLATE_ROOT } from '../../channels/templates/renderer.ts';
import { formatErrors } from '../../domain/validation.ts';
import {
  type PolicyFormat,
  applyPolicy,
  checkPolicySource,
  listCurrentPolicies,
  listPolicyVersions,
  policyDocument,
} from '../../services/policies.ts';
import { templateNames } from '../../services/templates.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatInstant, table } from '../format.ts';

/** Reads a policy file and validates it against the schema and the known templates; throws with every error. */
async function loadValid(file: string) {
  let source: string;
  try {
    source = await readFile(resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  const format: PolicyFormat = extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
  const templates = templateNames(DEFAULT_TEMPLATE_ROOT);
  const result = checkPolicySource(source, format, templates);
  if (!result.ok) throw new UsageError(`${file}: invalid policy\n${formatErrors(result.errors)}`);
  return { source, format, templates, compiled: result.value };
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
      const { source, format, templates } = await loadValid(file);
      await withRuntime(async ({ database, deps }) => {
        const applied = await applyPolicy(database.db, { source, format, templates, now: deps.clock.now() });
        if (!applied.ok) throw new UsageError(`${file}: invalid policy\n${formatErrors(applied.errors)}`);
        const row = applied.value;
        console.log(`applied ${row.id}: new cases start on version ${row.version}`);
      });
    });

  policy
    .command('list')
    .description('the newest version of every policy')
    .action(async () => {
      await withRuntime(async ({ database }) => {
        const rows = await listCurrentPolicies(database.db);
        console.log(
          table(
            ['policy', 'version', 'steps', 'applied'],
            rows.map((r) => [
              r.name,
              String(r.version),
              String(policyDocument(r).steps.length),
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
        const versions = await listPolicyVersions(database.db, name);
        const chosen = options.version
          ? versions.find((v) => String(v.version) === options.version)
          : versions[0];
        if (!chosen)
          throw new UsageError(
            `policy: no policy '${name}'${options.version ? ` version ${options.version}` : ''}`,
          );
        console.log(`# ${chosen.id} (${formatInstant(chosen.created_at)})\n${chosen.source}`);
      });
    });
}
