import { createHash, randomBytes } from 'node:crypto';
import { verifyPassword } from './passwords.ts';
import type { Queryable } from '../store/database.ts';
import type { UserRow } from '../store/schema/api.ts';

/** How long a browser session lives without signing in again. */
export const SESSION_MS = 12 * 3_600_000;

// Verifying against a real hash even for an unknown email keeps login time from telling which emails exist.
const DECOY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$/gTiXBgdej2NnEAZ7LZM1w$2lRdrwVWfHc2KH3ghY86fKEm/uCAg4ReMFO6dvuVBZc';

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A signed-in session: the token goes in the cookie, the CSRF token to the page. */
export interface NewSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly user: UserRow;
  readonly expiresAt: number;
}

/** Checks an email and password and opens a session, or returns null (same answer for every kind of failure). */
export async function signIn(
  db: Queryable,
  input: { email: string; password: string; now: number },
): Promise<NewSession | null> {
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', input.email.trim().toLowerCase())
    .executeTakeFirst();
  const ok = await verifyPassword(user?.password_hash ?? DECOY_HASH, input.password);
  if (!user || !ok || user.disabled_at !== null) return null;
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = input.now + SESSION_MS;
  await db.deleteFrom('sessions').where('expires_at', '<', input.now).execute();
  await db
    .insertInto('sessions')
    .values({
      id: sha256(token),
      user_id: user.id,
      csrf_token: csrfToken,
      created_at: input.now,
      expires_at: expiresAt,
    })
    .execute();
  return { token, csrfToken, user, expiresAt };
}

/** The live session and user behind a cookie token, or null. */
export async function findSession(
  db: Queryable,
  token: string,
  now: number,
): Promise<{ sessionId: string; csrfToken: string; user: UserRow } | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.id as session_id', 'sessions.csrf_token', 'sessions.expires_at'])
    .where('sessions.id', '=', sha256(token))
    .executeTakeFirst();
  if (!row || row.expires_at <= now || row.disabled_at !== null) return null;
  const { session_id, csrf_token, expires_at: _expires, ...user } = row;
  return { sessionId: session_id, csrfToken: csrf_token, user };
}

/** Ends a session (sign out). */
export async function endSession(db: Queryable, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}
