import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../../store/database.ts';

/**
 * Prometheus metrics. Engine totals are read from the database at scrape time rather than counted in memory:
 * workers run in other processes, and the tables are the one place that sees all of them (rows are never
 * deleted, so the totals only grow, as counters must).
 */
export function createMetrics(db: Db, now: () => number): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'recoup_process_' });
  new Counter({
    name: 'recoup_steps_executed_total',
    help: 'Policy steps the engine finished, by action and status',
    labelNames: ['action', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('scheduled_steps')
        .select(['action', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '!=', 'pending')
        .groupBy(['action', 'status'])
        .execute();
      for (const r of rows) this.inc({ action: r.action, status: r.status }, Number(r.n));
    },
  });
  new Counter({
    name: 'recoup_payment_attempts_total',
    help: 'Charge attempts by outcome and decline class',
    labelNames: ['outcome', 'decline_class'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('payment_attempts')
        .select(['status', 'decline_class', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['status', 'decline_class'])
        .execute();
      for (const r of rows)
        this.inc({ outcome: r.status, decline_class: r.decline_class ?? 'none' }, Number(r.n));
    },
  });
  new Counter({
    name: 'recoup_messages_total',
    help: 'Messages by channel and delivery status',
    labelNames: ['channel', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('messages')
        .select(['channel', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['channel', 'status'])
        .execute();
      for (const r of rows) this.inc({ channel: r.channel, status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'recoup_due_work_lag_seconds',
    help: 'How late the oldest due step of an open, unpaused case is (0 when nothing is overdue)',
    registers: [registry],
    async collect() {
      const t = now();
      const row = await db
        .selectFrom('cases')
        .select((eb) => eb.fn.min('next_due_at').as('oldest'))
        .where('state', '=', 'open')
        .where('paused', '=', 0)
        .where('next_due_at', '<=', t)
        .executeTakeFirst();
      const oldest = row?.oldest === null || row?.oldest === undefined ? t : Number(row.oldest);
      this.set((t - oldest) / 1000);
    },
  });
  new Gauge({
    name: 'recoup_cases',
    help: 'Cases by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('cases')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('state')
        .execute();
      for (const r of rows) this.set({ state: r.state }, Number(r.n));
    },
  });
  return registry;
}

/** Times every request by route and status into `recoup_http_request_duration_seconds`. */
export function registerRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const histogram = new Histogram({
    name: 'recoup_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    histogram.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
