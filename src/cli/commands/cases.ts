import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { CaseState } from '../../store/tables.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatInstant, money, table } from '../format.ts';
import {
  type ListFlags,
  allOption,
  cursorOption,
  jsonOption,
  jsonRow,
  printJson,
  printList,
} from '../listing.ts';
import { nowOption } from '../now-option.ts';
import { parseChoice } from '../parse.ts';

const STATES: CaseState[] = ['open', 'needs_attention', 'recovered', 'exhausted', 'cancelled', 'written_off'];

/** `recoup cases list|show|retry`. */
export function registerCases(program: Command): void {
  const cases = program
    .command('cases')
    .description('list cases, show a case with its timeline, and retry one');

  cases
    .command('list')
    .option('--state <state>', `one of ${STATES.join(', ')}`)
    .option('--limit <n>', 'how many on a page', '50')
    .addOption(cursorOption())
    .addOption(allOption())
    .addOption(jsonOption())
    .description('cases, newest first')
    .action(async (options: ListFlags & { state?: string }) => {
      const state = options.state ? parseChoice(options.state, '--state', STATES) : undefined;
      const { listCases } = await import('../../services/cases.ts');
      await withRuntime(async ({ database }) => {
        await printList(options, {
          noun: 'cases',
          fetch: (page) => listCases(database.db, { state }, page),
          json: (r) => ({ ...jsonRow(r), paused: r.paused === 1 }),
          table: (rows) =>
            table(
              ['case', 'customer', 'state', 'owed', 'recovered', 'policy', 'opened', 'next step'],
              rows.map((r) => [
                r.id,
                r.customer_name,
                r.paused ? `${r.state} (paused)` : r.state,
                money(r.amount_owed, r.currency),
                money(r.amount_recovered, r.currency),
                r.policy_version_id,
                formatInstant(r.opened_at),
                formatInstant(r.next_due_at),
              ]),
            ),
        });
      });
    });

  cases
    .command('show')
    .argument('<id>', 'case id')
    .description('a case, its invoices, its steps and its timeline explaining every action')
    .addOption(jsonOption())
    .action(async (id: string, options: ListFlags) => {
      const { getCaseDetail } = await import('../../services/cases.ts');
      const { loadCustomer } = await import('../../store/customer-contacts.ts');
      await withRuntime(async ({ database, deps }) => {
        const detail = await getCaseDetail(database.db, id);
        if (!detail) throw new UsageError(`cases show: no case '${id}'`);
        const { summary: c, invoices, steps, timeline: events } = detail;
        const customer = await loadCustomer(database.db, deps.cipher, c.customer_id);
        if (!customer) throw new Error(`case ${id} names customer ${c.customer_id}, which does not exist`);
        if (options.json) {
          printJson({
            case: { ...jsonRow(c), paused: c.paused === 1 },
            customer: jsonRow(customer),
            invoices: invoices.map(jsonRow),
            steps: steps.map(jsonRow),
            timeline: events.map(jsonRow),
          });
          return;
        }
        console.log(
          `Case ${c.id} — ${c.state}${c.paused ? ' (paused)' : ''}${c.escalated_at ? ', escalated' : ''}`,
        );
        console.log(`Customer ${customer.name} (${customer.id}), ${customer.locale}, ${customer.time_zone}`);
        const reach = [customer.email, customer.phone].filter((v) => v !== null).join(', ');
        if (reach) console.log(`Contact ${reach}`);
        if (c.error_count > 0) {
          console.log(`Failed ${c.error_count} times in a row; last error: ${c.last_error ?? '-'}`);
        }
        console.log(
          `Policy ${c.policy_version_id}; overdue ${money(c.amount_failed, c.currency)}, recovered ${money(c.amount_recovered, c.currency)}, owed ${money(c.amount_owed, c.currency)}`,
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

  cases
    .command('retry')
    .argument('<id>', 'case id')
    .option('--reason <text>', 'why, for the timeline')
    .addOption(nowOption())
    .description(
      'retry a case now: a needs_attention case goes back to work (open, error count reset, due now); an open case has its next retry step made due',
    )
    .action(async (id: string, options: { reason?: string }) => {
      const { CaseActionError, getCaseSummary, retryCaseNow } = await import('../../services/cases.ts');
      await withRuntime(async ({ database, deps }) => {
        const actor = { kind: 'cli', id: userInfo().username, name: `CLI (${userInfo().username})` } as const;
        const now = deps.clock.now();
        try {
          await retryCaseNow(database, { id, actor, reason: options.reason, now, wallNow: Date.now() });
        } catch (error) {
          if (error instanceof CaseActionError) throw new UsageError(`cases retry: ${error.reason}`);
          throw error;
        }
        const c = await getCaseSummary(database.db, id);
        console.log(
          `Case ${id} is ${c?.state ?? 'gone'}; next step due ${formatInstant(c?.next_due_at ?? null)}`,
        );
      });
    });
}
