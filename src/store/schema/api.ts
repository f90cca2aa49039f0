import type { Generated, Selectable } from 'kysely';

// People and programs that use the API, and what they did.

export type Role = 'admin' | 'manager' | 'agent' | 'viewer';
export type KeyScope = 'read' | 'write' | 'admin';

export interface UsersTable {
  id: string;
  email: string; // lower-cased; the login name
  name: string;
  role: Role;
  password_hash: string; // argon2id PHC string
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface SessionsTable {
  id: string; // SHA-256 of the cookie's token: a stolen database does not yield live sessions
  user_id: string;
  csrf_token: string; // synchroniser token the browser echoes in X-CSRF-Token on every mutating request
  created_at: number;
  expires_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string; // shown in lists and logs so an operator can tell keys apart
  secret_hash: string; // SHA-256 of the whole key: keys are 256-bit random, so a slow hash adds nothing
  scope: KeyScope;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_type: 'user' | 'api_key' | 'cli' | 'webhook' | 'anonymous';
  actor_id: string;
  method: string;
  route: string;
  object_type: string | null;
  object_id: string | null;
  status_code: number;
  request_id: string;
  ip: string | null;
}

export interface IdempotencyKeysTable {
  actor: string; // the key or user that sent the request: keys are scoped to their sender
  key: string;
  method: string;
  path: string;
  body_hash: string;
  status_code: number;
  response: string; // JSON body as sent
  created_at: number;
}

export interface ApiTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AuditRow = Selectable<AuditLogTable>;
