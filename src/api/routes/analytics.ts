import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from '@sinclair/typebox';
import { BREAKDOWN_DIMENSIONS, recoveryBreakdown } from '../../analytics/breakdown.ts';
import { dailyAmounts } from '../../analytics/daily.ts';
import { forecast } from '../../analytics/forecast.ts';
import { messageResponse } from '../../analytics/message-response.ts';
import { overview } from '../../analytics/overview.ts';
import { type Period, resolvePeriod } from '../../analytics/period.ts';
import { OPEN_BALANCE_NOTE } from '../../analytics/receivables.ts';
import { invalid } from '../http/problem.ts';
import { Instant, iso, problemResponses } from '../http/schemas.ts';

// Every figure is per currency (never summed across currencies) and in integer minor units; rates are 0–1.

const Amount = (description: string) => Type.Integer({ minimum: 0, description });
const Count = (description: string) => Type.Integer({ minimum: 0, description });
const Nullable = <T extends TSchema>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });
const Rate = (description: string) => Nullable(Type.Number({ minimum: 0 }), description);
const CurrencyCode = Type.String({ description: 'ISO 4217 code; each currency has its own row' });

const periodQuery = {
  from: Type.Optional(
    Instant({ description: 'start of the period, included (ISO 8601); default: 30 days before `to`' }),
  ),
  to: Type.Optional(Instant({ description: 'end of the period, excluded (ISO 8601); default: now' })),
};
const PeriodQuery = Type.Object(periodQuery, { additionalProperties: false });
const periodEcho = {
  from: Instant({ description: 'start of the period the figures cover, included' }),
  to: Instant({ description: 'end of the period the figures cover, excluded' }),
};

const AgingSchema = Type.Object(
  {
    current: Amount('open balance not yet due'),
    days_1_30: Amount('open balance 1 to 30 days past due (due less than 30 days before now)'),
    days_31_60: Amount('open balance 31 to 60 days past due'),
    days_61_90: Amount('open balance 61 to 90 days past due'),
    days_90_plus: Amount('open balance more than 90 days past due'),
  },
  {
    description:
      'open invoices’ balance (total − amount_paid) by days past due at now; not limited to the period',
  },
);

const FAILED =
  'failed: what failed charges left unpaid, and what was unpaid when an invoice fell due; money paid on or ' +
  'before the due date of an invoice whose charge never failed is collected on time, never failed';

const OverviewCurrencySchema = Type.Object({
  currency: CurrencyCode,
  failed_amount: Amount(`Σ failed amount, as of now, of the cases opened in the period (${FAILED})`),
  recovered_amount: Amount('Σ of the failed amount the cases opened in the period have recovered so far'),
  recovery_rate: Rate('recovered_amount ÷ failed_amount (0–1); null when nothing failed'),
  collected_on_time_amount: Amount(
    'Σ paid on the cases opened in the period on or before the due date of an invoice whose charge never ' +
      'failed (a B2B case opens before the due date, for reminders): neither failed nor recovered',
  ),
  failed_cases: Count('cases opened in the period with a failed amount now'),
  recovered_cases: Count('cases opened in the period that are recovered now and recovered failed money'),
  cases_opened: Count('cases opened in the period, failed or not (yet)'),
  active_cases: Count('cases open now (state open), whenever they opened'),
  open_overdue_amount: Amount('Σ (total − amount_paid) of open invoices whose due date is before now'),
  open_amount: Amount('open receivables now: Σ (total − amount_paid) of every open invoice'),
  open_in_cases_amount: Amount(
    'the part of open_amount in open cases: the forecast’s open_amount, from the same query (see open_balance_note)',
  ),
  median_days_to_recover: Nullable(
    Type.Number({ minimum: 0 }),
    'median days from opening to recovery of the recovered_cases; null when none',
  ),
  dso_days: Nullable(
    Type.Number({ minimum: 0 }),
    'days sales outstanding: open receivables now (Σ balance of all open invoices) ÷ amount invoiced in the ' +
      'period (Σ total of invoices created in it) × days in the period; null when nothing was invoiced',
  ),
  aging: AgingSchema,
});

const DaySchema = Type.Object({
  date: Type.String({ format: 'date', description: 'a UTC calendar day, YYYY-MM-DD' }),
  currency: CurrencyCode,
  failed_amount: Amount(`Σ failed amount, as of now, of the cases opened that day (${FAILED})`),
  recovered_amount: Amount('Σ of the payments received that day on cases, for money that had failed'),
  collected_on_time_amount: Amount(
    'Σ of the payments received that day on cases on or before the due date of an invoice whose charge never failed',
  ),
});

const OpenBalanceNote = Type.String({
  description: 'why the overview’s open receivables and the forecast’s open amount differ, for people',
});

const DimensionSchema = Type.Union(
  BREAKDOWN_DIMENSIONS.map((d) => Type.Literal(d)),
  {
    description:
      'step: the policy step a case is attributed to — a case that recovered failed money to the retry that collected, else the ' +
      'last message sent before the payment ("customer (no contact)" when there was none); any other case to ' +
      'the last message it was sent, else its last retry ("not contacted" when neither). channel and template: ' +
      'that step’s channel and template ("retry" for a retry). segment: the customer’s attributes.segment when ' +
      'the case opened ("none" without one). decline_class: the class of the case’s opening failure (soft, ' +
      'action_required, hard; "none" for an invoice nothing tried to charge).',
  },
);

const BreakdownRowSchema = Type.Object({
  currency: CurrencyCode,
  key: Type.String({ description: 'the step id, channel, template, segment or decline class' }),
  cases: Count(
    'cases opened in the period with this key and a failed amount now (cases paid on time are left out)',
  ),
  failed_amount: Amount('Σ failed amount of those cases'),
  recovered_amount: Amount('Σ of the failed amount those cases recovered'),
  recovered_cases: Count('those cases that are recovered now'),
  recovery_rate: Rate('recovered_amount ÷ failed_amount (0–1); null when nothing failed'),
});

const MessageRowSchema = Type.Object({
  channel: Type.String({ description: 'email, webhook, …' }),
  template: Type.String({ description: 'the template the message was rendered from' }),
  sent: Count('messages created in the period that the channel accepted (status sent)'),
  failed: Count('messages created in the period that the channel refused (status failed)'),
  opened: Count(
    'sent messages whose open pixel loaded or a link in which was followed (tracked emails only); approximate: ' +
      'image blocking hides opens and mail-privacy proxies that load images on delivery add opens nobody made',
  ),
  clicked: Count('sent messages a link in which was followed (tracked emails only)'),
  open_rate: Rate('opened ÷ sent (0–1); null when nothing was sent'),
  click_rate: Rate('clicked ÷ sent (0–1); null when nothing was sent'),
  paid_within_72h: Count(
    'sent messages after which a payment on the same case was received within 72 hours of sending',
  ),
  paid_within_72h_rate: Rate('paid_within_72h ÷ sent (0–1); null when nothing was sent'),
});

const ForecastCurrencySchema = Type.Object({
  currency: CurrencyCode,
  open_amount: Amount(
    'remaining balance of the open cases now: Σ (total − amount_paid) of their open invoices; the overview’s ' +
      'open_in_cases_amount (see open_balance_note)',
  ),
  next_30_days: Amount('expected collections from those cases in the next 30 days'),
  next_60_days: Amount('expected collections in the next 60 days (includes the first 30)'),
  next_90_days: Amount('expected collections in the next 90 days (includes the first 60)'),
});

/** The dashboard's analytics: recovery, receivables, what works and the cash-flow forecast. All read-only. */
export const analyticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = () => app.recoup.runtime.database.db;

  /** The period a query asks for, or a 400 naming the parameter at fault. */
  function periodOf(query: { from?: string; to?: string }): Period {
    const requested: { from?: number; to?: number } = {};
    for (const field of ['from', 'to'] as const) {
      const value = query[field];
      if (value === undefined) continue;
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) throw invalid(`query.${field}`, 'must be an ISO 8601 instant');
      requested[field] = ms;
    }
    const resolved = resolvePeriod(requested, app.recoup.now());
    if (!resolved.ok) throw invalid(`query.${resolved.error.field}`, resolved.error.reason);
    return resolved.period;
  }
  const echo = (p: Period) => ({ from: iso(p.from), to: iso(p.to) });

  app.get(
    '/v1/analytics/overview',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['analytics'],
        summary:
          'Recovery over the cases opened in a period, and the cases and receivables open now, per currency',
        querystring: PeriodQuery,
        response: {
          200: Type.Object({
            ...periodEcho,
            currencies: Type.Array(OverviewCurrencySchema),
            open_balance_note: OpenBalanceNote,
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const period = periodOf(request.query);
      const rows = await overview(db(), period, app.recoup.now());
      return {
        ...echo(period),
        open_balance_note: OPEN_BALANCE_NOTE,
        currencies: rows.map((r) => ({
          currency: r.currency,
          failed_amount: r.failedAmount,
          recovered_amount: r.recoveredAmount,
          recovery_rate: r.recoveryRate,
          collected_on_time_amount: r.collectedOnTimeAmount,
          failed_cases: r.failedCases,
          recovered_cases: r.recoveredCases,
          cases_opened: r.casesOpened,
          active_cases: r.activeCases,
          open_overdue_amount: r.openOverdueAmount,
          open_amount: r.openAmount,
          open_in_cases_amount: r.openInCasesAmount,
          median_days_to_recover: r.medianDaysToRecover,
          dso_days: r.dsoDays,
          aging: {
            current: r.aging.current,
            days_1_30: r.aging.days1To30,
            days_31_60: r.aging.days31To60,
            days_61_90: r.aging.days61To90,
            days_90_plus: r.aging.days90Plus,
          },
        })),
      };
    },
  );

  app.get(
    '/v1/analytics/daily',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['analytics'],
        summary:
          'Failed, recovered and on-time amounts per UTC day and currency: every day of the period, zero-filled, for each currency with any',
        querystring: PeriodQuery,
        response: {
          200: Type.Object({
            ...periodEcho,
            days: Type.Array(DaySchema, { description: 'oldest day first' }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const period = periodOf(request.query);
      const days = await dailyAmounts(db(), period, app.recoup.now());
      return {
        ...echo(period),
        days: days.map((d) => ({
          date: d.date,
          currency: d.currency,
          failed_amount: d.failedAmount,
          recovered_amount: d.recoveredAmount,
          collected_on_time_amount: d.collectedOnTimeAmount,
        })),
      };
    },
  );

  app.get(
    '/v1/analytics/breakdown',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['analytics'],
        summary:
          'Recovery of the cases opened in a period by policy step, channel, template, segment or decline class',
        querystring: Type.Object(
          { ...periodQuery, dimension: DimensionSchema },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            ...periodEcho,
            dimension: DimensionSchema,
            rows: Type.Array(BreakdownRowSchema, {
              description: 'per currency, largest recovered amount first',
            }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const period = periodOf(request.query);
      const rows = await recoveryBreakdown(db(), request.query.dimension, app.recoup.now(), period);
      return {
        ...echo(period),
        dimension: request.query.dimension,
        rows: rows.map((r) => ({
          currency: r.currency,
          key: r.key,
          cases: r.cases,
          failed_amount: r.failedAmount,
          recovered_amount: r.recoveredAmount,
          recovered_cases: r.recoveredCases,
          recovery_rate: r.recoveryRate,
        })),
      };
    },
  );

  app.get(
    '/v1/analytics/messages',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['analytics'],
        summary:
          'Messages created in a period per channel and template: sent, failed, opened, clicked and paid within 72 hours',
        querystring: PeriodQuery,
        response: {
          200: Type.Object({ ...periodEcho, rows: Type.Array(MessageRowSchema) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const period = periodOf(request.query);
      const rows = await messageResponse(db(), period);
      return {
        ...echo(period),
        rows: rows.map((r) => ({
          channel: r.channel,
          template: r.template,
          sent: r.sent,
          failed: r.failed,
          opened: r.opened,
          clicked: r.clicked,
          open_rate: r.openRate,
          click_rate: r.clickRate,
          paid_within_72h: r.paidWithin72h,
          paid_within_72h_rate: r.paidWithin72hRate,
        })),
      };
    },
  );

  app.get(
    '/v1/analytics/forecast',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['analytics'],
        summary: 'Expected collections in the next 30, 60 and 90 days from the open cases',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: {
          200: Type.Object({
            method: Type.String({ description: 'how the forecast is made, in plain words, for people' }),
            open_balance_note: OpenBalanceNote,
            currencies: Type.Array(ForecastCurrencySchema),
          }),
          ...problemResponses,
        },
      },
    },
    async () => {
      const result = await forecast(db(), app.recoup.now());
      return {
        method: result.method,
        open_balance_note: result.openBalanceNote,
        currencies: result.currencies.map((c) => ({
          currency: c.currency,
          open_amount: c.openAmount,
          next_30_days: c.next30Days,
          next_60_days: c.next60Days,
          next_90_days: c.next90Days,
        })),
      };
    },
  );
};
