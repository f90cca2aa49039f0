import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { endSession, signIn } from '../../access/sessions.ts';
import { SESSION_COOKIE } from '../auth/authenticate.ts';
import { roleGrants } from '../auth/permissions.ts';
import { ApiError } from '../http/problem.ts';
import { Instant, problemResponses } from '../http/schemas.ts';

const SessionSchema = Type.Object({
  user: Type.Object({
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.String(),
    permissions: Type.Array(Type.String()),
  }),
  csrf_token: Type.String({ description: 'send as X-CSRF-Token on every POST, PATCH, PUT and DELETE' }),
  expires_at: Type.Optional(Instant()),
  now: Instant({
    description:
      "the server's clock: dashboards count their periods from it (a demo runs on a simulated clock)",
  }),
});

/** Signing in and out of the dashboard with an email and password (a cookie session with a CSRF token). */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ loginPerMinute: number }> = async (app, opts) => {
  app.post(
    '/v1/session',
    {
      config: {
        access: 'public',
        rateLimit: { max: opts.loginPerMinute, timeWindow: 60_000, keyGenerator: (r) => `login:${r.ip}` },
      },
      schema: {
        tags: ['session'],
        summary: 'Sign in: sets an HttpOnly session cookie',
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 320 }),
            password: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: SessionSchema,
          400: Type.Ref('Problem'),
          401: Type.Ref('Problem'),
          429: Type.Ref('Problem'),
        },
      },
    },
    async (request, reply) => {
      const session = await signIn(app.recoup.runtime.database.db, {
        ...request.body,
        now: app.recoup.now(),
      });
      if (!session) {
        throw new ApiError(401, 'unauthenticated', 'body.password: email or password is wrong', [
          { field: 'body.password', reason: 'email or password is wrong' },
        ]);
      }
      reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        path: '/',
        // Relative, not an absolute date: the browser's clock may differ from the server's (a demo runs on a
        // simulated one), and an absolute date in the browser's past would drop the cookie at once.
        maxAge: Math.max(1, Math.floor((session.expiresAt - app.recoup.now()) / 1000)),
      });
      const { user } = session;
      return reply.code(201).send({
        user: {
          id: user.id,
          email: user.email,
          name: user.name,
          role: user.role,
          permissions: [...roleGrants(user.role)],
        },
        csrf_token: session.csrfToken,
        expires_at: new Date(session.expiresAt).toISOString(),
        now: new Date(app.recoup.now()).toISOString(),
      });
    },
  );
  app.get(
    '/v1/session',
    {
      config: { access: 'signed_in' },
      schema: {
        tags: ['session'],
        summary: 'The signed-in user, their permissions and the CSRF token',
        response: { 200: SessionSchema, ...problemResponses },
      },
    },
    async (request) => {
      const p = request.principal!;
      if (p.kind !== 'user') {
        return {
          user: {
            id: p.id,
            email: p.prefix,
            name: `API key ${p.prefix}`,
            role: `scope:${p.scope}`,
            permissions: [...p.grants],
          },
          csrf_token: '',
          now: new Date(app.recoup.now()).toISOString(),
        };
      }
      const user = await app.recoup.runtime.database.db
        .selectFrom('users')
        .select(['name'])
        .where('id', '=', p.id)
        .executeTakeFirstOrThrow();
      return {
        user: { id: p.id, email: p.email, name: user.name, role: p.role, permissions: [...p.grants] },
        csrf_token: p.csrfToken,
        now: new Date(app.recoup.now()).toISOString(),
      };
    },
  );
  app.delete(
    '/v1/session',
    {
      config: { access: 'signed_in' },
      schema: {
        tags: ['session'],
        summary: 'Sign out',
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      if (p.kind === 'user') await endSession(app.recoup.runtime.database.db, p.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
};
