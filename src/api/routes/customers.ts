import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createCustomer, listCustomers, updateCustomer } from '../../services/customers.ts';
import { loadCustomer, type OpenCustomer } from '../../store/customer-contacts.ts';
import { audited } from '../http/audit.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';
import { asProblem, notFound } from '../http/problem.ts';
import { IdParams, Instant, Page, PageQuery, iso, problemResponses } from '../http/schemas.ts';

const Channel = Type.Union([
  Type.Literal('email'),
  Type.Literal('sms'),
  Type.Literal('phone'),
  Type.Literal('letter'),
]);

const Address = Type.Object(
  {
    line1: Type.Optional(Type.String({ maxLength: 200 })),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.Optional(Type.String({ maxLength: 200 })),
    state: Type.Optional(Type.String({ maxLength: 200 })),
    postal_code: Type.Optional(Type.String({ maxLength: 200 })),
    country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' })),
  },
  { additionalProperties: false },
);

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const CustomerSchema = Type.Object({
  id: Type.String(),
  external_id: Nullable(Type.String()),
  name: Type.String(),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  address: Nullable(Address),
  locale: Type.String(),
  time_zone: Type.String(),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  opted_out: Type.Array(Type.String()),
  created_at: Instant(),
  updated_at: Instant(),
  erased: Type.Boolean({ description: 'personal data was erased on request; financial records remain' }),
});

const fields = {
  external_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
  email: Type.Optional(Nullable(Type.String({ maxLength: 320 }))),
  phone: Type.Optional(Nullable(Type.String({ maxLength: 20, description: 'E.164, e.g. +14155550100' }))),
  address: Type.Optional(Nullable(Address)),
  locale: Type.Optional(Type.String({ maxLength: 35, description: 'BCP 47, e.g. de-DE' })),
  time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin' })),
  attributes: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), { description: 'facts for policy conditions and segments' }),
  ),
  opted_out: Type.Optional(Type.Array(Channel, { maxItems: 4, description: 'channels never to use' })),
};

function present(c: OpenCustomer) {
  return {
    id: c.id,
    external_id: c.external_id,
    name: c.name,
    email: c.email,
    phone: c.phone,
    address: c.address,
    locale: c.locale,
    time_zone: c.time_zone,
    attributes: JSON.parse(c.attributes) as Record<string, unknown>,
    opted_out: JSON.parse(c.opted_out) as string[],
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
    erased: c.erased_at !== null,
  };
}

/** Customers: who owes, how to reach them (encrypted at rest) and what they opted out of. */
export const customerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  const cipher = () => app.recoup.runtime.deps.cipher;
  app.get(
    '/v1/customers',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['customers'],
        summary: 'List customers, newest first',
        querystring: Type.Object(
          {
            ...PageQuery,
            external_id: Type.Optional(Type.String({ maxLength: 200 })),
            name: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(CustomerSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const rows = await listCustomers(db(), cipher(), { limit, after: decodeCursor(cursor), ...filters });
      return toPage(rows, limit, present);
    },
  );
  app.post(
    '/v1/customers',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['customers'],
        summary: 'Create a customer',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 500 }), ...fields },
          { additionalProperties: false },
        ),
        response: { 201: CustomerSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const customer = await createCustomer(db(), cipher(), request.body, app.recoup.now()).catch(asProblem);
      audited(request, 'customer', customer.id);
      return reply.code(201).send(present(customer));
    },
  );
  app.get(
    '/v1/customers/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['customers'],
        summary: 'Get a customer',
        params: IdParams,
        response: { 200: CustomerSchema, ...problemResponses },
      },
    },
    async (request) => {
      const customer = await loadCustomer(db(), cipher(), request.params.id);
      if (!customer) throw notFound('customer', request.params.id);
      return present(customer);
    },
  );
  app.patch(
    '/v1/customers/:id',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['customers'],
        summary: 'Change a customer',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })), ...fields },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: CustomerSchema, ...problemResponses },
      },
    },
    async (request) => {
      const customer = await updateCustomer(
        db(),
        cipher(),
        request.params.id,
        request.body,
        app.recoup.now(),
      ).catch(asProblem);
      audited(request, 'customer', customer.id);
      return present(customer);
    },
  );
};
