import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  createInvoice,
  getInvoice,
  listInvoices,
  markInvoiceUncollectible,
  recordInvoicePayment,
  updateInvoice,
  voidInvoice,
} from '../../services/invoices.ts';
import type { InvoiceRow, PaymentsTable } from '../../store/tables.ts';
import { audited } from '../http/audit.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';
import { asProblem, notFound } from '../http/problem.ts';
import {
  Currency,
  IdParams,
  Instant,
  MinorUnits,
  Page,
  PageQuery,
  iso,
  problemResponses,
} from '../http/schemas.ts';

const InvoiceStatusSchema = Type.Union(
  [Type.Literal('open'), Type.Literal('paid'), Type.Literal('void'), Type.Literal('uncollectible')],
  { description: 'open until paid in full, voided, or written off as uncollectible' },
);

const CollectionSchema = Type.Union([Type.Literal('charge_automatically'), Type.Literal('send_invoice')], {
  description: 'charge_automatically: a card or debit on file (card policy); send_invoice: the customer pays',
});

const Id = Type.String({ minLength: 1, maxLength: 100 });
const ExternalId = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'the id in your billing system',
});
const InvoiceNumber = Type.String({ minLength: 1, maxLength: 200, description: 'as printed on the invoice' });
const Total = Type.Integer({
  minimum: 1,
  maximum: 1_000_000_000_000,
  description: 'integer minor units of the currency',
});

const InvoiceSchema = Type.Object({
  id: Type.String(),
  external_id: Type.Union([Type.String(), Type.Null()]),
  customer_id: Type.String(),
  number: Type.String(),
  currency: Type.String(),
  total: MinorUnits(),
  amount_paid: MinorUnits(),
  amount_remaining: MinorUnits('total minus amount_paid, in minor units'),
  due_at: Instant(),
  status: InvoiceStatusSchema,
  collection: CollectionSchema,
  failed_at: Type.Union([Instant(), Type.Null()]),
  failure_code: Type.Union([Type.String(), Type.Null()]),
  failed_payment_method_id: Type.Union([Type.String(), Type.Null()], {
    description: 'the payment method failure_code applies to',
  }),
  case_id: Type.Union([Type.String(), Type.Null()], {
    description: 'the dunning case it belongs to, once opened',
  }),
  created_at: Instant(),
  updated_at: Instant(),
});

const PaymentSchema = Type.Object({
  id: Type.String(),
  invoice_id: Type.String(),
  case_id: Type.Union([Type.String(), Type.Null()]),
  amount: MinorUnits(),
  currency: Type.String(),
  source: Type.String(),
  reference: Type.String(),
  received_at: Instant(),
});

function present(invoice: InvoiceRow) {
  return {
    id: invoice.id,
    external_id: invoice.external_id,
    customer_id: invoice.customer_id,
    number: invoice.number,
    currency: invoice.currency,
    total: invoice.total,
    amount_paid: invoice.amount_paid,
    amount_remaining: Math.max(0, invoice.total - invoice.amount_paid),
    due_at: iso(invoice.due_at),
    status: invoice.status,
    collection: invoice.collection,
    failed_at: iso(invoice.failed_at),
    failure_code: invoice.failure_code,
    failed_payment_method_id: invoice.failed_payment_method_id,
    case_id: invoice.case_id,
    created_at: iso(invoice.created_at),
    updated_at: iso(invoice.updated_at),
  };
}

function presentPayment(payment: PaymentsTable) {
  return { ...payment, received_at: iso(payment.received_at) };
}

const ms = (value: string) => Date.parse(value);

/** Invoices: what each customer owes; payments recorded outside Recoup; voiding and writing off. */
export const invoiceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const database = () => app.recoup.runtime.database;
  const single = { 200: InvoiceSchema, ...problemResponses };

  app.get(
    '/v1/invoices',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['invoices'],
        summary: 'List invoices, newest first',
        querystring: Type.Object(
          {
            ...PageQuery,
            customer_id: Type.Optional(Id),
            status: Type.Optional(InvoiceStatusSchema),
            currency: Type.Optional(Currency),
            case_id: Type.Optional(Id),
            due_before: Type.Optional(Instant({ description: 'due strictly before this instant' })),
            due_after: Type.Optional(Instant({ description: 'due at or after this instant' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(InvoiceSchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listInvoices(
        database().db,
        {
          customerId: q.customer_id,
          status: q.status,
          currency: q.currency,
          caseId: q.case_id,
          dueBefore: q.due_before === undefined ? undefined : ms(q.due_before),
          dueAfter: q.due_after === undefined ? undefined : ms(q.due_after),
        },
        { after: decodeCursor(q.cursor), limit: q.limit + 1 },
      );
      return toPage(rows, q.limit, present);
    },
  );

  app.post(
    '/v1/invoices',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['invoices'],
        summary: 'Create an open invoice (optionally with the charge your billing system already tried)',
        body: Type.Object(
          {
            customer_id: Id,
            number: InvoiceNumber,
            currency: Currency,
            total: Total,
            due_at: Instant(),
            collection: CollectionSchema,
            external_id: Type.Optional(ExternalId),
            failed_at: Type.Optional(
              Instant({
                description: 'when your own charge failed (charge_automatically only): dunning starts now',
              }),
            ),
            failure_code: Type.Optional(
              Type.String({ minLength: 1, maxLength: 100, description: 'the decline code of that charge' }),
            ),
            failed_payment_method: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description:
                  'the payment method that charge failed on, by external_id (or id); the decline code applies to it ' +
                  "alone (a lost card is never charged again, other methods still are); default: the customer's " +
                  'first active method by priority',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: InvoiceSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const invoice = await createInvoice(
        database().db,
        {
          ...b,
          due_at: ms(b.due_at),
          failed_at: b.failed_at === undefined ? null : ms(b.failed_at),
        },
        app.recoup.now(),
      ).catch(asProblem);
      audited(request, 'invoice', invoice.id);
      return reply.code(201).send(present(invoice));
    },
  );

  app.get(
    '/v1/invoices/:id',
    {
      config: { access: 'data:read' },
      schema: { tags: ['invoices'], summary: 'Get an invoice', params: IdParams, response: single },
    },
    async (request) => {
      const invoice = await getInvoice(database().db, request.params.id);
      if (!invoice) throw notFound('invoice', request.params.id);
      return present(invoice);
    },
  );

  app.patch(
    '/v1/invoices/:id',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['invoices'],
        summary: 'Change an open invoice’s number, total or due date (its currency never changes)',
        params: IdParams,
        body: Type.Object(
          {
            number: Type.Optional(InvoiceNumber),
            total: Type.Optional(Total),
            due_at: Type.Optional(Instant()),
            currency: Type.Optional(
              Type.String({
                pattern: '^[A-Z]{3}$',
                description: 'accepted only if unchanged: an invoice’s currency cannot change',
              }),
            ),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: single,
      },
    },
    async (request) => {
      const { due_at, ...rest } = request.body;
      audited(request, 'invoice', request.params.id);
      const invoice = await updateInvoice(
        database(),
        request.params.id,
        { ...rest, ...(due_at === undefined ? {} : { due_at: ms(due_at) }) },
        app.recoup.now(),
      ).catch(asProblem);
      if (!invoice) throw notFound('invoice', request.params.id);
      return present(invoice);
    },
  );

  app.post(
    '/v1/invoices/:id/payments',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['invoices'],
        summary:
          'Record a full or partial payment received outside Recoup; a case with nothing left owing closes',
        params: IdParams,
        body: Type.Object(
          {
            amount: Type.Integer({
              minimum: 1,
              maximum: 1_000_000_000_000,
              description: 'integer minor units, at most what is still owed',
            }),
            reference: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description: 'your reference for the money (bank transfer id): recorded once per invoice',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ payment: PaymentSchema, invoice: InvoiceSchema }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      audited(request, 'invoice', request.params.id);
      const recorded = await recordInvoicePayment(
        database(),
        request.params.id,
        request.body,
        app.recoup.now(),
      ).catch(asProblem);
      if (!recorded) throw notFound('invoice', request.params.id);
      return reply
        .code(201)
        .send({ payment: presentPayment(recorded.payment), invoice: present(recorded.invoice) });
    },
  );

  app.post(
    '/v1/invoices/:id/void',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['invoices'],
        summary: 'Void an invoice: nothing is owed on it any more; its case closes if nothing else is owed',
        params: IdParams,
        response: single,
      },
    },
    async (request) => {
      audited(request, 'invoice', request.params.id);
      const invoice = await voidInvoice(database(), request.params.id, app.recoup.now()).catch(asProblem);
      if (!invoice) throw notFound('invoice', request.params.id);
      return present(invoice);
    },
  );

  app.post(
    '/v1/invoices/:id/mark-uncollectible',
    {
      config: { access: 'billing:write' },
      schema: {
        tags: ['invoices'],
        summary: 'Write an invoice off as uncollectible; its case closes if nothing else is owed',
        params: IdParams,
        response: single,
      },
    },
    async (request) => {
      audited(request, 'invoice', request.params.id);
      const invoice = await markInvoiceUncollectible(database(), request.params.id, app.recoup.now()).catch(
        asProblem,
      );
      if (!invoice) throw notFound('invoice', request.params.id);
      return present(invoice);
    },
  );
};
