import { hashPassword, passwordProblem } from './passwords.ts';
import { InputError } from '../domain/input-error.ts';
import { newId } from '../engine/ids.ts';
import type { Queryable } from '../store/database.ts';
import type { Role, UserRow } from '../store/schema/api.ts';

/** A user as the API and CLI show it: never the password hash. */
export type UserSummary = Omit<UserRow, 'password_hash'>;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COLUMNS = ['id', 'email', 'name', 'role', 'created_at', 'updated_at', 'disabled_at'] as const;

/** Creates a user with an argon2id-hashed password; the email is the login and must be unused. */
export async function createUser(
  db: Queryable,
  input: { email: string; name?: string; role: Role; password: string; now: number },
): Promise<UserSummary> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL_RE.test(email)) throw new InputError('email', 'expected an email address');
  const weak = passwordProblem(input.password);
  if (weak) throw new InputError('password', weak);
  const taken = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (taken) throw new InputError('email', 'a user with this email exists', 409);
  const user: UserSummary = {
    id: newId('usr'),
    email,
    name: input.name?.trim() || email,
    role: input.role,
    created_at: input.now,
    updated_at: input.now,
    disabled_at: null,
  };
  await db
    .insertInto('users')
    .values({ ...user, password_hash: await hashPassword(input.password) })
    .execute();
  return user;
}

/** Every user, oldest first. */
export async function listUsers(db: Queryable): Promise<UserSummary[]> {
  return db.selectFrom('users').select(COLUMNS).orderBy('id').execute();
}

/** The enabled users whose role may work cases: who a case can be assigned to, by email. */
export async function listAssignees(db: Queryable): Promise<UserSummary[]> {
  return db
    .selectFrom('users')
    .select(COLUMNS)
    .where('disabled_at', 'is', null)
    .where('role', 'in', ['admin', 'manager', 'agent'])
    .orderBy('email')
    .execute();
}

/** One user by id, or null. */
export async function getUser(db: Queryable, id: string): Promise<UserSummary | null> {
  return (await db.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Changes a user's name, role, password or disabled state; disabling signs them out everywhere. */
export async function updateUser(
  db: Queryable,
  id: string,
  patch: { name?: string; role?: Role; password?: string; disabled?: boolean },
  now: number,
): Promise<UserSummary | null> {
  const set: Partial<UserRow> = { updated_at: now };
  if (patch.name !== undefined) set.name = patch.name.trim();
  if (patch.role !== undefined) set.role = patch.role;
  if (patch.password !== undefined) {
    const weak = passwordProblem(patch.password);
    if (weak) throw new InputError('password', weak);
    set.password_hash = await hashPassword(patch.password);
  }
  if (patch.disabled !== undefined) set.disabled_at = patch.disabled ? now : null;
  await db.updateTable('users').set(set).where('id', '=', id).execute();
  if (patch.disabled || patch.password !== undefined) {
    await db.deleteFrom('sessions').where('user_id', '=', id).execute();
  }
  return getUser(db, id);
}
