import { type CompiledPolicy, compilePolicy } from '../domain/policy.ts';
import { formatErrors } from '../domain/validation.ts';
import type { Db } from '../store/database.ts';

/** Policy versions are immutable, so each is read and compiled once per process. */
export class PolicyCache {
  private readonly compiled = new Map<string, CompiledPolicy>();
  // Why a version cannot be used (missing, or stored invalid): only the cases on it fail, not their whole batch.
  private readonly unusable = new Map<string, string>();

  constructor(private readonly db: Db) {}

  /** The compiled policy of a version id, loading every version not yet cached in one query. */
  async load(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.compiled.has(id) && !this.unusable.has(id));
    if (missing.length === 0) return;
    const rows = await this.db
      .selectFrom('policy_versions')
      .select(['id', 'document'])
      .where('id', 'in', missing)
      .execute();
    for (const row of rows) {
      let result: ReturnType<typeof compilePolicy>;
      try {
        result = compilePolicy(JSON.parse(row.document));
      } catch (error) {
        this.unusable.set(row.id, `stored policy version ${row.id} is not JSON: ${(error as Error).message}`);
        continue;
      }
      if (result.ok) this.compiled.set(row.id, result.value);
      else
        this.unusable.set(
          row.id,
          `stored policy version ${row.id} is invalid:\n${formatErrors(result.errors)}`,
        );
    }
    const found = new Set(rows.map((r) => r.id));
    for (const id of missing) {
      if (!found.has(id)) this.unusable.set(id, `policy version ${id} does not exist`);
    }
  }

  /** A version already loaded; throws for one that is unusable, or was not loaded (a bug in the caller). */
  get(id: string): CompiledPolicy {
    const found = this.compiled.get(id);
    if (!found) throw new Error(this.unusable.get(id) ?? `policy version ${id} was not loaded`);
    return found;
  }
}
