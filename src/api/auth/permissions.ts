import type { KeyScope, Role } from '../../store/schema/api.ts';

/**
 * What a request may do. Routes name one permission; roles (people) and scopes (API keys) grant sets of them, so
 * the authorisation matrix is this file and nothing else.
 */
export type Permission =
  | 'data:read' // see customers, invoices, cases, policies, messages, events
  | 'cases:work' // pause, resume, retry now, add a note: a collector's daily work
  | 'billing:write' // create and change customers, payment methods, invoices, payments; cancel cases
  | 'policies:write' // apply and activate dunning policies and templates
  | 'admin'; // users, API keys, webhook subscriptions, the audit log, personal-data export and erasure

export const ROLES: readonly Role[] = ['admin', 'manager', 'agent', 'viewer'];
export const SCOPES: readonly KeyScope[] = ['read', 'write', 'admin'];

const ALL: readonly Permission[] = ['data:read', 'cases:work', 'billing:write', 'policies:write', 'admin'];

const BY_ROLE: Record<Role, readonly Permission[]> = {
  admin: ALL,
  manager: ['data:read', 'cases:work', 'billing:write', 'policies:write'],
  agent: ['data:read', 'cases:work'],
  viewer: ['data:read'],
};

const BY_SCOPE: Record<KeyScope, readonly Permission[]> = {
  admin: ALL,
  write: ['data:read', 'cases:work', 'billing:write', 'policies:write'],
  read: ['data:read'],
};

/** The permissions a person with this role holds. */
export function roleGrants(role: Role): readonly Permission[] {
  return BY_ROLE[role];
}

/** The permissions an API key with this scope holds. */
export function scopeGrants(scope: KeyScope): readonly Permission[] {
  return BY_SCOPE[scope];
}
