import type { Command } from 'commander';
import { VirtualClock } from '../../engine/clock.ts';
import { withRuntime } from '../context.ts';
import { commandClock, nowOption, testClockOption } from '../now-option.ts';

/** `recoup tick --now …`: run everything due up to an instant, then exit. */
export function registerTick(program: Command): void {
  program
    .command('tick')
    .description('run every step due up to --now (default: the current time), then exit')
    .addOption(nowOption('the engine time, ISO 8601 with a zone, e.g. 2026-03-01T09:00:00Z'))
    .addOption(
      testClockOption("take the engine time from this Stripe test clock's time (clock_…), read once"),
    )
    .action(async () => {
      const now = commandClock()?.now() ?? Date.now();
      const { tick } = await import('../../engine/tick.ts');
      await withRuntime(
        async ({ deps }) => {
          const report = await tick(deps, now);
          console.log(
            `tick ${new Date(now).toISOString()}: ${report.invoicesTaken} invoices taken into cases, ` +
              `${report.stepsDone} steps done in ${report.batches} batches`,
          );
        },
        { clock: new VirtualClock(now) },
      );
    });
}
