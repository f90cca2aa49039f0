import type { Command } from 'commander';
import { type Clock, VirtualClock, systemClock } from '../../engine/clock.ts';
import { runWorker } from '../../engine/worker.ts';
import { withRuntime } from '../context.ts';
import { parseInstant, parseWhole } from '../parse.ts';

/** `recoup worker`: work due cases continuously; several workers may share one PostgreSQL. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('work due cases continuously until stopped (SIGINT/SIGTERM finish the current batch first)')
    .option('--poll-ms <ms>', 'how long to wait when nothing is due', '1000')
    .option('--now <instant>', 'freeze the engine clock at this instant (simulations and tests)')
    .option('--exit-when-idle', 'exit once nothing is due instead of waiting for more')
    .action(async (options: { pollMs: string; now?: string; exitWhenIdle?: boolean }) => {
      const pollMs = parseWhole(options.pollMs, '--poll-ms', 10, 3_600_000);
      const clock: Clock = options.now ? new VirtualClock(parseInstant(options.now, '--now')) : systemClock;
      await withRuntime(
        async ({ deps }) => {
          const stop = new AbortController();
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
          deps.logger.info({ owner: deps.settings.owner }, 'worker started');
          const report = await runWorker(deps, {
            pollMs,
            exitWhenIdle: options.exitWhenIdle ?? false,
            signal: stop.signal,
          });
          deps.logger.info({ ...report }, 'worker stopped');
        },
        { clock },
      );
    });
}
