import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { type CompiledPolicy, compilePolicy } from '../domain/policy.ts';
import type { FieldError, Validated } from '../domain/validation.ts';
import type { Db } from '../store/database.ts';
import { applyPolicyVersion, latestPolicyVersions } from '../store/policies.ts';

/** The policies Recoup ships, applied as version 1 when a database has none of that name. */
export const SHIPPED_POLICIES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies');
export const SHIPPED_POLICY_NAMES = ['card-subscription', 'b2b-invoice'] as const;

/** Parses policy text (YAML, or JSON, which is YAML too) and validates it, with YAML errors given by line. */
export function parsePolicy(text: string, knownTemplates?: ReadonlySet<string>): Validated<CompiledPolicy> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const errors: FieldError[] = doc.errors.map((e) => ({
      path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)',
      message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
    }));
    return { ok: false, errors };
  }
  const compiled = compilePolicy(doc.toJS());
  if (!compiled.ok || !knownTemplates) return compiled;
  const missing: FieldError[] = [];
  compiled.value.policy.steps.forEach((step, i) => {
    if (step.action === 'remind' && !knownTemplates.has(step.template)) {
      missing.push({ path: `steps[${i}].template`, message: `no template named '${step.template}'` });
    }
  });
  return missing.length > 0 ? { ok: false, errors: missing } : compiled;
}

/** Reads and validates a policy file. */
export async function readPolicyFile(
  path: string,
  knownTemplates?: ReadonlySet<string>,
): Promise<{ source: string; result: Validated<CompiledPolicy> }> {
  const source = await readFile(path, 'utf8');
  return { source, result: parsePolicy(source, knownTemplates) };
}

/** Applies each shipped policy that the database does not have yet; returns the names applied. */
export async function ensureShippedPolicies(db: Db, now: number): Promise<string[]> {
  const have = new Set((await latestPolicyVersions(db)).map((p) => p.name));
  const applied: string[] = [];
  for (const name of SHIPPED_POLICY_NAMES) {
    if (have.has(name)) continue;
    const { source, result } = await readPolicyFile(join(SHIPPED_POLICIES_DIR, `${name}.yaml`));
    if (!result.ok) throw new Error(`shipped policy ${name} is invalid: ${result.errors[0]?.message}`);
    await applyPolicyVersion(db, result.value, source, now);
    applied.push(name);
  }
  return applied;
}
