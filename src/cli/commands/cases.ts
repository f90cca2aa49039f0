import type { Command } from 'commander';
import type { CaseState } from '../../store/tables.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatInstant, money, table } from '../format.ts';
import { parseChoice, parseWhole } from '../parse.ts';

const STATES: CaseState[] = ['open', 'recovered', 'exhausted', 'cancelled', 'written_off'];

/** `recoup cases list|show`. */
export function registerCases(program: Command): void {
  const cases = program.command('cases').description('list cases and show a case with its timeline');

  cases
    .command('list')
    .option('--state <state>', `one of ${STATES.join(', ')}`)
    .option('--limit <n>', 'how many', '50')
    .description('cases, most recently opened first')
    .action(async (options: { state?: string; limit: string }) => {
      const state = options.state ? parseChoice(options.state, '--state', STATES) : undefined;
      const limit = parseWhole(options.limit, '--limit', 1, 10_000);
      await withRuntime(async ({ database }) => {
        let q = database.db
          .selectFrom('cases')
          .innerJoin('customers', 'customers.id', 'cases.customer_id')
          .select([
            'cases.id',
            'cases.state',
            'cases.currency',
            'cases.amount_failed',
            'cases.amount_recovered',
            'cases.policy_version_id',
            'cases.opened_at',
            'cases.next_due_at',
            'customers.name',
          ])
          .orderBy('cases.opened_at', 'desc')
          .orderBy('cases.id')
          .limit(limit);
        if (state) q = q.where('cases.state', '=', state);
        const rows = await q.execute();
        console.log(
          table(
            ['case', 'customer', 'state', 'owed', 'recovered', 'policy', 'opened', 'next step'],
            rows.map((r) => [
              r.id,
              r.name,
              r.state,
              money(r.amount_failed, r.currency),
              money(r.amount_recovered, r.currency),
              r.policy_version_id,
              formatInstant(r.opened_at),
              formatInstant(r.next_due_at),
            ]),
          ),
        );
      });
    });

  cases
    .command('show')
    .argument('<id>', 'case id')
    .description('a case, its invoices, its steps and its timeline explaining every action')
    .action(async (id: string) => {
      await withRuntime(async ({ database }) => {
        const db = database.db;
        const c = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
        if (!c) throw new UsageError(`cases show: no case '${id}'`);
        const customer = await db
          .selectFrom('customers')
          .selectAll()
          .where('id', '=', c.customer_id)
          .executeTakeFirstOrThrow();
        const invoices = await db
          .selectFrom('invoices')
          .selectAll()
          .where('case_id', '=', id)
          .orderBy('due_at')
          .execute();
        const steps = await db
          .selectFrom('scheduled_steps')
          .selectAll()
          .where('case_id', '=', id)
          .orderBy('position')
          .execute();
        const events = await db
          .selectFrom('timeline_events')
          .selectAll()
          .where('case_id', '=', id)
          .orderBy('id')
          .execute();
        console.log(
          `Case ${c.id} — ${c.state}${c.paused ? ' (paused)' : ''}${c.escalated_at ? ', escalated' : ''}`,
        );
        console.log(`Customer ${customer.name} (${customer.id}), ${customer.locale}, ${customer.time_zone}`);
        console.log(
          `Policy ${c.policy_version_id}; owed ${money(c.amount_failed, c.currency)}, recovered ${money(c.amount_recovered, c.currency)}`,
        );
        console.log(
          `\nInvoices\n${table(
            ['invoice', 'number', 'total', 'paid', 'due', 'status'],
            invoices.map((i) => [
              i.id,
              i.number,
              money(i.total, i.currency),
              money(i.amount_paid, i.currency),
              formatInstant(i.due_at),
              i.status,
            ]),
          )}`,
        );
        console.log(
          `\nSteps\n${table(
            ['step', 'action', 'due', 'status'],
            steps.map((s) => [s.step_id, s.action, formatInstant(s.due_at), s.status]),
          )}`,
        );
        console.log(
          `\nTimeline\n${table(
            ['at', 'event', 'policy', 'step', 'why'],
            events.map((e) => [
              formatInstant(e.at),
              e.type,
              e.policy_version_id ?? '-',
              e.step_id ?? '-',
              e.rule ?? '',
            ]),
          )}`,
        );
      });
    });
}
