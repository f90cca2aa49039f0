import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { eraseCustomer } from '../../privacy/customer-erasure.ts';
import { exportCustomer } from '../../privacy/customer-export.ts';
import { CustomerNotFoundError } from '../../privacy/customer-lookup.ts';
import { audited } from '../http/audit.ts';
import { notFound } from '../http/problem.ts';
import { IdParams, problemResponses } from '../http/schemas.ts';

/** GDPR: export everything about a customer, and erase their personal data while keeping financial records. */
export const privacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { runtime } = app.recoup;
  const missing = (id: string) => (error: unknown) => {
    if (error instanceof CustomerNotFoundError) throw notFound('customer', id);
    throw error;
  };
  app.get(
    '/v1/customers/:id/export',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['privacy'],
        summary: 'Everything Recoup holds about a customer, contact data decrypted (GDPR Art. 15 and 20)',
        params: IdParams,
        response: {
          200: Type.Object(
            { format: Type.Literal('recoup.customer-export.v1') },
            {
              additionalProperties: true,
              description: 'customer, payment_methods, invoices, payments, cases, payment_attempts, messages',
            },
          ),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      return exportCustomer(runtime.database, runtime.deps.cipher, id).catch(missing(id));
    },
  );
  app.post(
    '/v1/customers/:id/erase',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['privacy'],
        summary:
          'Pseudonymise a customer’s personal data; invoices, payments and amounts stay (GDPR Art. 17)',
        params: IdParams,
        response: {
          200: Type.Object({
            customer_id: Type.String(),
            already_erased: Type.Boolean(),
            messages_erased: Type.Integer(),
            cases: Type.Integer(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      const report = await eraseCustomer(runtime.database, runtime.deps.cipher, id, app.recoup.now()).catch(
        missing(id),
      );
      audited(request, 'customer', id);
      return {
        customer_id: report.customerId,
        already_erased: report.alreadyErased,
        messages_erased: report.messageIds.length,
        cases: report.cases,
      };
    },
  );
};
