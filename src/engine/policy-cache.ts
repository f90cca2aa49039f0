import { type CompiledPolicy, compilePolicy } from '../domain/policy.ts';
import { formatErrors } from '../domain/validation.ts';
import type { Db } from '../store/database.ts';

/** Policy versions are immutable, so each is read and compiled once per process. */
export class PolicyCache {
  private readonly compiled = new Map<string, CompiledPolicy>();

  constructor(private readonly db: Db) {}

  /** The compiled policy of a version id, loading every version not yet cached in one query. */
  async load(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.compiled.has(id));
    if (missing.length === 0) return;
    const rows = await this.db
      .selectFrom('policy_versions')
      .select(['id', 'document'])
      .where('id', 'in', missing)
      .execute();
    for (const row of rows) {
      const result = compilePolicy(JSON.parse(row.document));
      if (!result.ok)
        throw new Error(`stored policy version ${row.id} is invalid:\n${formatErrors(result.errors)}`);
      this.compiled.set(row.id, result.value);
    }
  }

  /** A version already loaded; throws for one that was not, which is a bug in the caller. */
  get(id: string): CompiledPolicy {
    const found = this.compiled.get(id);
    if (!found) throw new Error(`policy version ${id} was not loaded`);
    return found;
  }
}
