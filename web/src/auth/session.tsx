import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, createContext, useCallback, useContext, useMemo } from 'react';
import { ApiProblem, api, setCsrfToken, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.ts';

type SessionReply = paths['/v1/session']['get']['responses']['200']['content']['application/json'];

/** What the API may let the signed-in person do; the UI offers only these. */
export type Permission = 'data:read' | 'cases:work' | 'billing:write' | 'policies:write' | 'admin';

export interface Session {
  readonly user: SessionReply['user'];
  /** The server's clock when the session was read: periods count back from it. */
  readonly now: number;
  can(permission: Permission): boolean;
}

interface SessionState {
  readonly session: Session | null;
  readonly loading: boolean;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

function toSession(reply: SessionReply): Session {
  setCsrfToken(reply.csrf_token);
  const granted = new Set(reply.user.permissions);
  return { user: reply.user, now: Date.parse(reply.now), can: (p) => granted.has(p) };
}

// Another person's data must not outlive their session; the session query itself stays observed, so the
// pages re-render from its new value (clearing the whole cache would orphan its observer).
function forgetAllButSession(client: QueryClient): void {
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
}

/** Reads the cookie session once and shares it; signing in or out refreshes everything. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      try {
        return toSession(await unwrap(api.GET('/v1/session')));
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  const signIn = useCallback(
    async (email: string, password: string) => {
      const reply = await unwrap(api.POST('/v1/session', { body: { email, password } }));
      forgetAllButSession(client);
      client.setQueryData(['session'], toSession(reply as SessionReply));
    },
    [client],
  );
  const signOut = useCallback(async () => {
    await unwrap(api.DELETE('/v1/session'));
    setCsrfToken('');
    forgetAllButSession(client);
    client.setQueryData(['session'], null);
  }, [client]);
  const value = useMemo(
    () => ({ session: query.data ?? null, loading: query.isPending, signIn, signOut }),
    [query.data, query.isPending, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session state; only valid under `SessionProvider`. */
export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The signed-in session; pages behind `RequireSession` can rely on it. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession without a session');
  return session;
}

