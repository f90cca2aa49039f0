import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/env.ts';
import type { FieldError } from '../../domain/validation.ts';
import type { PolicyFormat } from '../../services/policies.ts';
import { databaseExists, withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatInstant, table } from '../format.ts';
import { type ListFlags, jsonOption, jsonRow, printJson, printJsonList } from '../listing.ts';
import { nowOption } from '../now-option.ts';

// Loaded when a subcommand runs, so that `recoup --help` does not load the policy compiler and the templates.
const policies = () => import('../../services/policies.ts');
const templateNames = () => import('../../services/templates.ts');
const validation = () => import('../../domain/validation.ts');

/** Reads a policy file and tells its format by extension; a missing or unreadable file is bad input. */
async function readPolicy(file: string): Promise<{ source: string; format: PolicyFormat }> {
  let source: string;
  try {
    source = await readFile(resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  return { source, format: extname(file).toLowerCase() === '.json' ? 'json' : 'yaml' };
}

/**
 * Validates a policy against the templates the database knows (shipped and saved through the API), as the API
 * does. Without a database yet, the shipped templates alone: validating must not create one.
 */
async function validatePolicy(file: string, source: string, format: PolicyFormat) {
  const config = loadConfig();
  const { knownTemplateNames } = await templateNames();
  const { DEFAULT_TEMPLATE_ROOT, TemplateRenderer } = await import('../../channels/templates/renderer.ts');
  const { checkPolicySource } = await policies();
  const { formatErrors } = await validation();
  const templates = databaseExists(config)
    ? await withRuntime(({ deps }) => knownTemplateNames(deps.renderer), { config })
    : await knownTemplateNames(new TemplateRenderer({ root: DEFAULT_TEMPLATE_ROOT }));
  const result = checkPolicySource(source, format, templates);
  if (!result.ok) throw new UsageError(`${file}: invalid policy\n${formatErrors(result.errors)}`);
  printWarnings(file, result.warnings);
  return result.value;
}

/** What a valid policy allows that is worth a second look, on stderr so that stdout stays the result. */
function printWarnings(file: string, warnings: readonly FieldError[]): void {
  for (const w of warnings) console.error(`recoup: warning: ${file}: ${w.path}: ${w.message}`);
}

/** `recoup policy validate|apply|list|show`. */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('validate, apply and list dunning policies');

  policy
    .command('validate')
    .argument('<file>', 'a policy in YAML or JSON')
    .description('check a policy file and print every error with its path')
    .action(async (file: string) => {
      const { source, format } = await readPolicy(file);
      const compiled = await validatePolicy(file, source, format);
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
    .addOption(nowOption('record the version as applied at this instant (default: the current time)'))
    .action(async (file: string) => {
      const { source, format } = await readPolicy(file);
      const { knownTemplateNames } = await templateNames();
      const { applyPolicy } = await policies();
      const { formatErrors } = await validation();
      await withRuntime(async ({ database, deps }) => {
        const templates = await knownTemplateNames(deps.renderer);
        const applied = await applyPolicy(database.db, { source, format, templates, now: deps.clock.now() });
        if (!applied.ok) throw new UsageError(`${file}: invalid policy\n${formatErrors(applied.errors)}`);
        printWarnings(file, applied.warnings);
        const row = applied.value;
        console.log(`applied ${row.id}: new cases start on version ${row.version}`);
      });
    });

  policy
    .command('list')
    .description('the newest version of every policy')
    .addOption(jsonOption())
    .action(async (options: ListFlags) => {
      const { listCurrentPolicies, policyDocument } = await policies();
      await withRuntime(async ({ database }) => {
        const rows = await listCurrentPolicies(database.db);
        if (options.json) {
          return printJsonList(
            rows.map((r) => ({ ...jsonRow(r), document: policyDocument(r), current: r.current })),
          );
        }
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
    .addOption(jsonOption())
    .action(async (name: string, options: ListFlags & { version?: string }) => {
      const { listPolicyVersions, policyDocument } = await policies();
      await withRuntime(async ({ database }) => {
        const versions = await listPolicyVersions(database.db, name);
        const chosen = options.version
          ? versions.find((v) => String(v.version) === options.version)
          : versions[0];
        if (!chosen)
          throw new UsageError(
            `policy: no policy '${name}'${options.version ? ` version ${options.version}` : ''}`,
          );
        if (options.json) return printJson({ ...jsonRow(chosen), document: policyDocument(chosen) });
        console.log(`# ${chosen.id} (${formatInstant(chosen.created_at)})\n${chosen.source}`);
      });
    });
}
