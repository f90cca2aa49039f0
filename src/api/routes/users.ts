import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  type UserSummary,
  createUser,
  getUser,
  listAssignees,
  listUsers,
  updateUser,
} from '../../access/users.ts';
import { audited } from '../http/audit.ts';
import { asProblem, notFound } from '../http/problem.ts';
import { IdParams, Instant, problemResponses } from '../http/schemas.ts';

const RoleSchema = Type.Union([
  Type.Literal('admin'),
  Type.Literal('manager'),
  Type.Literal('agent'),
  Type.Literal('viewer'),
]);

const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  created_at: Instant(),
  disabled: Type.Boolean(),
});

function present(user: UserSummary) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    created_at: new Date(user.created_at).toISOString(),
    disabled: user.disabled_at !== null,
  };
}

/** People who sign in to the dashboard, and their roles (admin only; the list of assignees for whoever works cases). */
export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  app.get(
    '/v1/users',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'List users',
        response: { 200: Type.Object({ data: Type.Array(UserSchema) }), ...problemResponses },
      },
    },
    async () => ({ data: (await listUsers(db())).map(present) }),
  );
  app.get(
    '/v1/assignees',
    {
      config: { access: 'cases:work' },
      schema: {
        tags: ['users'],
        summary: 'The people a case can be assigned to: enabled admins, managers and agents, by email',
        response: {
          200: Type.Object({
            data: Type.Array(Type.Pick(UserSchema, ['id', 'email', 'name', 'role'])),
          }),
          ...problemResponses,
        },
      },
    },
    async () => ({
      data: (await listAssignees(db())).map((u) => ({
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
      })),
    }),
  );
  app.post(
    '/v1/users',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 320 }),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            role: RoleSchema,
            password: Type.String({ minLength: 12, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: UserSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const user = await createUser(db(), { ...request.body, now: app.recoup.now() }).catch(asProblem);
      audited(request, 'user', user.id);
      return reply.code(201).send(present(user));
    },
  );
  app.get(
    '/v1/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Get a user',
        params: IdParams,
        response: { 200: UserSchema, ...problemResponses },
      },
    },
    async (request) => {
      const user = await getUser(db(), request.params.id);
      if (!user) throw notFound('user', request.params.id);
      return present(user);
    },
  );
  app.patch(
    '/v1/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Change a user’s name, role or password, or disable them',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ maxLength: 200 })),
            role: Type.Optional(RoleSchema),
            password: Type.Optional(Type.String({ minLength: 12, maxLength: 256 })),
            disabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserSchema, ...problemResponses },
      },
    },
    async (request) => {
      const user = await updateUser(db(), request.params.id, request.body, app.recoup.now()).catch(asProblem);
      if (!user) throw notFound('user', request.params.id);
      return present(user);
    },
  );
};
