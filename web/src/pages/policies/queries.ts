import { useQueries, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';

/** The current version of every policy. */
export function usePolicies() {
  return useQuery({
    queryKey: ['policies'],
    queryFn: () => unwrap(api.GET('/v1/policies')).then((r) => r.data),
  });
}

const versionsQuery = (name: string) => ({
  queryKey: ['policies', name, 'versions'],
  queryFn: () =>
    unwrap(api.GET('/v1/policies/{name}/versions', { params: { path: { name } } })).then((r) => r.data),
});

/** Every version of one policy, newest first. */
export function useVersions(name: string) {
  return useQuery(versionsQuery(name));
}

/** Every version of several policies at once (the list shows how many each has). */
export function useVersionsOf(names: readonly string[]) {
  return useQueries({ queries: names.map(versionsQuery) });
}

/** One version with its document; idle while `id` is null. */
export function useVersion(id: string | null) {
  return useQuery({
    queryKey: ['policies', 'version', id],
    queryFn: () => unwrap(api.GET('/v1/policy-versions/{id}', { params: { path: { id: id! } } })),
    enabled: id !== null,
    // A stored version never changes.
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** The names of the email templates a reminder can send. */
export function useTemplateNames() {
  return useQuery({
    queryKey: ['templates', 'names'],
    queryFn: () => unwrap(api.GET('/v1/templates')).then((r) => r.data.map((t) => t.name)),
  });
}
