import type { paths } from '../../api/schema.ts';

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;

/** A person who signs in, as the API lists them. */
export type User = Json<paths['/v1/users']['get']['responses']['200']>['data'][number];
export type Role = User['role'];

/** An API key, never with its secret. */
export type ApiKey = Json<paths['/v1/api-keys']['get']['responses']['200']>['data'][number];
export type Scope = ApiKey['scope'];

/** An outbound webhook subscription, never with its secret. */
export type WebhookSubscription = Json<
  paths['/v1/webhook-subscriptions']['get']['responses']['200']
>['data'][number];

/** What each role may do, in the words of `src/api/auth/permissions.ts`. */
export const ROLE_OPTIONS: readonly { value: Role; label: string }[] = [
  { value: 'viewer', label: 'viewer: sees everything, changes nothing' },
  { value: 'agent', label: 'agent: also works cases (pause, retry, notes)' },
  { value: 'manager', label: 'manager: also billing data and policies' },
  { value: 'admin', label: 'admin: also users, API keys and webhooks' },
];

/** What each key scope may do. */
export const SCOPE_OPTIONS: readonly { value: Scope; label: string }[] = [
  { value: 'read', label: 'read: reads data and metrics' },
  { value: 'write', label: 'write: also changes cases, billing data and policies' },
  { value: 'admin', label: 'admin: everything, including users and keys' },
];
