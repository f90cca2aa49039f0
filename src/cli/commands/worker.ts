import type { Command } from 'commander';
import { withRuntime } from '../context.ts';
import { nowOption, refreshCommandClock, testClockOption } from '../now-option.ts';
import { parseWhole } from '../parse.ts';

/** `recoup worker`: work due cases continuously; several workers may share one PostgreSQL. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('work due cases continuously until stopped (SIGINT/SIGTERM finish the current batch first)')
    .option('--poll-ms <ms>', 'how long to wait when nothing is due', '1000')
    .addOption(nowOption('freeze the engine clock at this instant (simulations and tests)'))
    .addOption(
      testClockOption(
        "follow this Stripe test clock's time (clock_…; needs RECOUP_STRIPE_SECRET_KEY), read before each pass",
      ),
    )
    .option('--exit-when-idle', 'exit once nothing is due instead of waiting for more')
    .option('--no-webhooks', 'do not deliver outbound webhooks from this worker')
    .option(
      '--webhook-timeout-ms <ms>',
      'how long a webhook receiver may take to answer (at most half the lease)',
      '10000',
    )
    .action(
      async (options: {
        pollMs: string;
        exitWhenIdle?: boolean;
        webhooks: boolean;
        webhookTimeoutMs: string;
      }) => {
        const pollMs = parseWhole(options.pollMs, '--poll-ms', 10, 3_600_000);
        const timeoutMs = parseWhole(options.webhookTimeoutMs, '--webhook-timeout-ms', 100, 600_000);
        const { runWorker } = await import('../../engine/worker.ts');
        // The clock is the one --now (frozen) or --test-clock (followed) gave, else the system clock.
        await withRuntime(async ({ deps }) => {
          const stop = new AbortController();
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
          deps.logger.info(
            { owner: deps.settings.owner, now: new Date(deps.clock.now()).toISOString() },
            'worker started',
          );
          const beforeLoop = refreshCommandClock(deps.logger);
          const report = await runWorker(deps, {
            pollMs,
            exitWhenIdle: options.exitWhenIdle ?? false,
            signal: stop.signal,
            webhooks: options.webhooks ? { timeoutMs } : null,
            ...(beforeLoop ? { beforeLoop } : {}),
          });
          deps.logger.info({ ...report }, 'worker stopped');
        });
      },
    );
}
