import type { Queryable } from '../store/database.ts';
import type { ApiKeyRow } from '../store/schema/api.ts';
import { findApiKey, touchApiKey } from './api-keys.ts';

/** How long a verified key is trusted without asking the database again; a revocation elsewhere waits this long. */
export const API_KEY_CACHE_MS = 5_000;

/**
 * Verified API keys, remembered briefly so a busy client costs one key lookup every few seconds instead of one per
 * request. Revoking through this process forgets the key at once; another process's revocation takes effect within
 * `API_KEY_CACHE_MS`. Only keys that verified are remembered, so guessing keys gains nothing.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { key: ApiKeyRow; until: number }>();

  constructor(private readonly db: () => Queryable) {}

  /** The live key a presented secret belongs to, or null; stamps its last use at most once a minute. */
  async verify(secret: string, now: number): Promise<ApiKeyRow | null> {
    const hit = this.entries.get(secret);
    // Cache time is wall-clock, whatever clock the engine runs on: it bounds how stale a revocation may be.
    if (hit && hit.until > Date.now()) {
      await this.touch(hit.key, now);
      return hit.key;
    }
    this.entries.delete(secret);
    const key = await findApiKey(this.db(), secret);
    if (!key) return null;
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(secret, { key, until: Date.now() + API_KEY_CACHE_MS });
    await this.touch(key, now);
    return key;
  }

  /** Forgets every remembered key (after a revocation). */
  clear(): void {
    this.entries.clear();
  }

  private async touch(key: ApiKeyRow, now: number): Promise<void> {
    if (key.last_used_at !== null && now - key.last_used_at < 60_000) return;
    await touchApiKey(this.db(), key, now);
    key.last_used_at = now;
  }
}
