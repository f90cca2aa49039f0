import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { type CompiledPolicy, compilePolicy, networkLimitFindings } from '../domain/policy.ts';
import type { FieldError, Validated } from '../domain/validation.ts';
import type { Db } from '../store/database.ts';
import { applyPolicyVersion, latestPolicyVersions } from '../store/policies.ts';

/** The policies Recoup ships, applied as version 1 when a database has none of that name. */
export const SHIPPED_POLICIES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies');
export const SHIPPED_POLICY_NAMES = ['card-subscription', 'b2b-invoice'] as const;

/** A checked policy, valid or not, with what is allowed but worth saying (limits above the card networks'). */
export type CheckedPolicy = Validated<CompiledPolicy> & { readonly warnings: readonly FieldError[] };

/**
 * Parses policy text (YAML, or JSON, which is YAML too) and validates it in one pass: YAML errors by line, else
 * the schema, the steps, every reminder's template among `knownTemplates` and the retry limits together.
 */
export function parsePolicy(text: string, knownTemplates?: ReadonlySet<string>): CheckedPolicy {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const errors: FieldError[] = doc.errors.map((e) => ({
      path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)',
      message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
    }));
    return { ok: false, errors, warnings: [] };
  }
  const input: unknown = doc.toJS();
  const compiled = compilePolicy(input);
  const limits = networkLimitFindings(input);
  const errors = [...(compiled.ok ? [] : compiled.errors), ...limits.errors];
  if (knownTemplates) {
    const flagged = new Set(errors.map((e) => e.path));
    errors.push(...unknownTemplates(input, knownTemplates).filter((e) => !flagged.has(e.path)));
  }
  if (!compiled.ok || errors.length > 0)
    return { ok: false, errors: inDocumentOrder(errors), warnings: limits.warnings };
  return { ...compiled, warnings: limits.warnings };
}

// The policy's own fields first, then each step's problems in step order, as a reader goes through the file.
function inDocumentOrder(errors: readonly FieldError[]): FieldError[] {
  const step = (e: FieldError) => Number(/^steps\[(\d+)\]/.exec(e.path)?.[1] ?? -1);
  return [...errors].sort((a, b) => step(a) - step(b));
}

// Read from the document as written, so a template is checked even where another field of its step is wrong.
function unknownTemplates(input: unknown, known: ReadonlySet<string>): FieldError[] {
  const steps =
    typeof input === 'object' && input !== null ? (input as { steps?: unknown }).steps : undefined;
  if (!Array.isArray(steps)) return [];
  const errors: FieldError[] = [];
  steps.forEach((step: unknown, i) => {
    const { action, template } = (typeof step === 'object' && step !== null ? step : {}) as Record<
      string,
      unknown
    >;
    if (action === 'remind' && typeof template === 'string' && !known.has(template)) {
      errors.push({ path: `steps[${i}].template`, message: `no template named '${template}'` });
    }
  });
  return errors;
}

/** Reads and validates a policy file. */
export async function readPolicyFile(
  path: string,
  knownTemplates?: ReadonlySet<string>,
): Promise<{ source: string; result: CheckedPolicy }> {
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
