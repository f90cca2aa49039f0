import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../engine/ids.ts';
import type { Queryable } from '../store/database.ts';
import type { ApiKeyRow, KeyScope } from '../store/schema/api.ts';

/** A key as lists show it: never its secret. */
export type ApiKeySummary = Omit<ApiKeyRow, 'secret_hash'>;

/** A key just made: the only moment its secret exists outside the caller's hands. */
export interface NewApiKey {
  readonly key: ApiKeySummary;
  readonly secret: string;
}

const PREFIX_RE = /^rcp_([0-9a-z]{10})_([A-Za-z0-9_-]{43})$/;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Makes an API key with a scope; the returned secret (`rcp_<prefix>_<random>`) is shown once and stored hashed. */
export async function createApiKey(
  db: Queryable,
  input: { name: string; scope: KeyScope; createdBy: string | null; now: number },
): Promise<NewApiKey> {
  const prefix = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0').slice(-10);
  const secret = `rcp_${prefix}_${randomBytes(32).toString('base64url')}`;
  const key: ApiKeySummary = {
    id: newId('key'),
    name: input.name,
    prefix: `rcp_${prefix}`,
    scope: input.scope,
    created_by: input.createdBy,
    created_at: input.now,
    last_used_at: null,
    revoked_at: null,
  };
  await db
    .insertInto('api_keys')
    .values({ ...key, secret_hash: sha256(secret) })
    .execute();
  return { key, secret };
}

/** The live key a secret belongs to, or null for an unknown, malformed or revoked one. */
export async function findApiKey(db: Queryable, secret: string): Promise<ApiKeyRow | null> {
  const match = PREFIX_RE.exec(secret);
  if (!match) return null;
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('prefix', '=', `rcp_${match[1]}`)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const actual = Buffer.from(sha256(secret), 'hex');
  return timingSafeEqual(expected, actual) ? row : null;
}

/** Notes when a key was last used. */
export async function touchApiKey(db: Queryable, key: ApiKeyRow, now: number): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', key.id).execute();
}

/** Every key, newest first, without secrets. */
export async function listApiKeys(db: Queryable): Promise<ApiKeySummary[]> {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'scope', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes a key by id or prefix; returns it, or null when there is no such key. */
export async function revokeApiKey(
  db: Queryable,
  idOrPrefix: string,
  now: number,
): Promise<ApiKeySummary | null> {
  const column = idOrPrefix.startsWith('rcp_') ? 'prefix' : 'id';
  await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where(column, '=', idOrPrefix)
    .where('revoked_at', 'is', null)
    .execute();
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'scope', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .where(column, '=', idOrPrefix)
    .executeTakeFirst();
  return row ?? null;
}
