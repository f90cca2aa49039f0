import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  MAX_PRIORITY,
  createPaymentMethod,
  getPaymentMethod,
  listPaymentMethods,
  updatePaymentMethod,
} from '../../services/payment-methods.ts';
import type { PaymentMethodRow } from '../../store/tables.ts';
import { audited } from '../http/audit.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';
import { asProblem, notFound } from '../http/problem.ts';
import { IdParams, Instant, Page, PageQuery, iso, problemResponses } from '../http/schemas.ts';

const TypeSchema = Type.Union([Type.Literal('card'), Type.Literal('bank_debit')]);
const StatusSchema = Type.Union([Type.Literal('active'), Type.Literal('disabled')], {
  description: 'disabled methods are never charged',
});
const Id = Type.String({ minLength: 1, maxLength: 100 });
const Priority = Type.Integer({ minimum: 1, maximum: MAX_PRIORITY, description: '1 is tried first' });
const ExpMonth = Type.Integer({ minimum: 1, maximum: 12 });
const ExpYear = Type.Integer({ minimum: 2000, maximum: 2199, description: 'four digits, e.g. 2028' });

const PaymentMethodSchema = Type.Object({
  id: Type.String(),
  external_id: Type.Union([Type.String(), Type.Null()]),
  customer_id: Type.String(),
  token: Type.String({ description: 'the gateway’s reference for the method (never a card number)' }),
  type: Type.String(),
  brand: Type.Union([Type.String(), Type.Null()]),
  last4: Type.Union([Type.String(), Type.Null()]),
  exp_month: Type.Union([Type.Integer(), Type.Null()]),
  exp_year: Type.Union([Type.Integer(), Type.Null()]),
  priority: Type.Integer(),
  status: StatusSchema,
  created_at: Instant(),
  updated_at: Instant(),
});

function present(method: PaymentMethodRow) {
  return { ...method, created_at: iso(method.created_at), updated_at: iso(method.updated_at) };
}

/** Payment methods: the gateway tokens on file per customer that retries go through, in priority order. */
export const paymentMethodRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;
  const single = { 200: PaymentMethodSchema, ...problemResponses };

  app.get(
    '/v1/payment-methods',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['payment-methods'],
        summary: 'List payment methods, newest first',
        querystring: Type.Object(
          { ...PageQuery, customer_id: Type.Optional(Id), status: Type.Optional(StatusSchema) },
          { additionalProperties: false },
        ),
        response: { 200: Page(PaymentMethodSchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listPaymentMethods(
        db(),
        { customerId: q.customer_id, status: q.status },
        { after: decodeCursor(q.cursor), limit: q.limit + 1 },
      );
      return toPage(rows, q.limit, present);
    },
  );

  app.post(
    '/v1/payment-methods',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['payment-methods'],
        summary: 'Put a gateway token on file for a customer (never a card number)',
        body: Type.Object(
          {
            customer_id: Id,
            token: Type.String({
              minLength: 1,
              maxLength: 500,
              description: 'the gateway’s token (tok_…, pm_…); a card number is refused',
            }),
            type: TypeSchema,
            brand: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
            last4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$', description: 'e.g. 4242' })),
            exp_month: Type.Optional(ExpMonth),
            exp_year: Type.Optional(ExpYear),
            priority: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: MAX_PRIORITY,
                description: '1 is tried first; by default after the methods already on file',
              }),
            ),
            external_id: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'the id in your billing system' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: PaymentMethodSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const method = await createPaymentMethod(db(), request.body, app.recoup.now()).catch(asProblem);
      audited(request, 'payment_method', method.id);
      return reply.code(201).send(present(method));
    },
  );

  app.get(
    '/v1/payment-methods/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['payment-methods'],
        summary: 'Get a payment method',
        params: IdParams,
        response: single,
      },
    },
    async (request) => {
      const method = await getPaymentMethod(db(), request.params.id);
      if (!method) throw notFound('payment method', request.params.id);
      return present(method);
    },
  );

  app.patch(
    '/v1/payment-methods/:id',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['payment-methods'],
        summary: 'Change a payment method’s priority or expiry, or disable it',
        params: IdParams,
        body: Type.Object(
          {
            priority: Type.Optional(Priority),
            exp_month: Type.Optional(ExpMonth),
            exp_year: Type.Optional(ExpYear),
            status: Type.Optional(StatusSchema),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: single,
      },
    },
    async (request) => {
      audited(request, 'payment_method', request.params.id);
      const method = await updatePaymentMethod(db(), request.params.id, request.body, app.recoup.now()).catch(
        asProblem,
      );
      if (!method) throw notFound('payment method', request.params.id);
      return present(method);
    },
  );
};
