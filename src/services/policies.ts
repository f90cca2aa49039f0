import type { Policy } from '../domain/policy.ts';
import type { FieldError, Validated } from '../domain/validation.ts';
import { type CheckedPolicy, parsePolicy } from '../policies/policy-file.ts';
import type { Db } from '../store/database.ts';
import { applyPolicyVersion, latestPolicyVersions, policyVersions } from '../store/policies.ts';
import type { PolicyVersionRow } from '../store/tables.ts';

/** How a policy's text is written: YAML, or JSON (checked as JSON first, so YAML sent as JSON is refused). */
export type PolicyFormat = 'yaml' | 'json';

/** A stored version with whether new cases start on it (it is the newest of its name). */
export interface PolicyVersionView extends PolicyVersionRow {
  readonly current: boolean;
}

/** A version cannot be activated: there is none with that id, or it is current, or it no longer validates. */
export class PolicyVersionError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict',
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Validates policy text exactly as `recoup policy validate` does: the schema, the step offsets in time order,
 * every reminder's template among `templates` and the retry limits against the card networks'; returns every
 * error with its path (`steps[2].offset`, or `line 3, column 5` for text that does not parse), and warnings.
 */
export function checkPolicySource(
  source: string,
  format: PolicyFormat,
  templates: ReadonlySet<string>,
): CheckedPolicy {
  if (format === 'json') {
    const problem = jsonProblem(source);
    if (problem) return { ok: false, errors: [problem], warnings: [] };
  }
  return parsePolicy(source, templates);
}

/**
 * Validates policy text and stores it as a new immutable version of its name; running cases keep theirs. The
 * warnings are the check's, for the caller to show.
 */
export async function applyPolicy(
  db: Db,
  input: { source: string; format: PolicyFormat; templates: ReadonlySet<string>; now: number },
): Promise<Validated<PolicyVersionView> & { readonly warnings: readonly FieldError[] }> {
  const checked = checkPolicySource(input.source, input.format, input.templates);
  if (!checked.ok) return checked;
  const row = await applyPolicyVersion(db, checked.value, input.source, input.now);
  return { ok: true, value: { ...row, current: true }, warnings: checked.warnings };
}

/** The newest version of every policy: the ones new cases start on. */
export async function listCurrentPolicies(db: Db): Promise<PolicyVersionView[]> {
  return (await latestPolicyVersions(db)).map((row) => ({ ...row, current: true }));
}

/** Every version of a policy, newest first; empty when there is no policy of that name. */
export async function listPolicyVersions(db: Db, name: string): Promise<PolicyVersionView[]> {
  const rows = await policyVersions(db, name);
  const newest = rows.at(-1)?.version;
  return rows.reverse().map((row) => ({ ...row, current: row.version === newest }));
}

/** One stored version by id (`card-subscription@3`), or null. */
export async function getPolicyVersion(db: Db, id: string): Promise<PolicyVersionView | null> {
  const row = await db.selectFrom('policy_versions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const newest = await db
    .selectFrom('policy_versions')
    .select((eb) => eb.fn.max<number>('version').as('v'))
    .where('name', '=', row.name)
    .executeTakeFirstOrThrow();
  return { ...row, current: row.version === Number(newest.v) };
}

/**
 * Makes an older version current again by storing its text as a new version: versions stay immutable and
 * numbered in the order they became current, and running cases keep the version they started on. The old text is
 * validated again first, since a template it names may have gone since.
 */
export async function activatePolicyVersion(
  db: Db,
  input: { id: string; templates: ReadonlySet<string>; now: number },
): Promise<PolicyVersionView> {
  const old = await getPolicyVersion(db, input.id);
  if (!old) throw new PolicyVersionError('not_found', `no policy version '${input.id}'`);
  if (old.current) {
    throw new PolicyVersionError('conflict', `${old.id} is already the current version of ${old.name}`);
  }
  const checked = parsePolicy(old.source, input.templates);
  if (!checked.ok) {
    const first = checked.errors[0]!;
    throw new PolicyVersionError('conflict', `${old.id} is no longer valid: ${first.path}: ${first.message}`);
  }
  const row = await applyPolicyVersion(db, checked.value, old.source, input.now);
  return { ...row, current: true };
}

/** The stored document of a version, as validated when it was applied. */
export function policyDocument(row: PolicyVersionRow): Policy {
  return JSON.parse(row.document) as Policy;
}

// JSON.parse names a character position (for most errors); people and editors want a line and column.
function jsonProblem(source: string): FieldError | null {
  try {
    JSON.parse(source);
    return null;
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    const position = at ? Number(at[1]) : /end of JSON input/.test(message) ? source.length : null;
    if (position === null) return { path: '(source)', message: `not JSON: ${message}` };
    const before = source.slice(0, position);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return {
      path: `line ${line}, column ${column}`,
      message: `not JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
    };
  }
}
