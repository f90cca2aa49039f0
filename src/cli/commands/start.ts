import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../config/env.ts';
import { withRuntime } from '../context.ts';
import { nowOption, refreshCommandClock, testClockOption } from '../now-option.ts';
import { parseWhole } from '../parse.ts';

/** `recoup start`: the HTTP API and, in the same process, the engine worker and webhook deliveries. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('serve the HTTP API (and docs at /docs) and work due cases until stopped')
    .option('--port <port>', 'port to listen on (default RECOUP_PORT or 4000)')
    .option('--host <host>', 'address to listen on (default RECOUP_HOST or 127.0.0.1)')
    .option('--no-worker', 'serve the API only; run `recoup worker` processes separately')
    .option('--poll-ms <ms>', 'how long the worker waits when nothing is due', '1000')
    .addOption(nowOption('freeze the clock of the API and the worker at this instant (rehearsals and tests)'))
    .addOption(
      testClockOption(
        "follow this Stripe test clock's time (clock_…; needs RECOUP_STRIPE_SECRET_KEY), read every --poll-ms",
      ),
    )
    .action(async (options: { port?: string; host?: string; worker: boolean; pollMs: string }) => {
      const config = loadConfig();
      const port = options.port === undefined ? config.port : parseWhole(options.port, '--port', 1, 65_535);
      const host = options.host ?? config.host;
      const pollMs = parseWhole(options.pollMs, '--poll-ms', 10, 3_600_000);
      const { runWorker } = await import('../../engine/worker.ts');
      await withRuntime(
        async (runtime) => {
          // Loaded when used: the API server is a third of what every other command would load for nothing.
          const { buildApi } = await import('../../api/server.ts');
          const app = await buildApi(runtime);
          const stop = new AbortController();
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
          const address = await app.listen({ port, host });
          runtime.deps.logger.info({ address, worker: options.worker }, 'recoup started');
          console.log(`Recoup is serving ${address} (API docs at ${address}/docs)`);
          // A followed test clock is read before each pass of the worker, or every --poll-ms without one.
          const refresh = refreshCommandClock(runtime.deps.logger);
          const worker = options.worker
            ? runWorker(runtime.deps, {
                pollMs,
                exitWhenIdle: false,
                signal: stop.signal,
                ...(refresh ? { beforeLoop: refresh } : {}),
              })
            : refresh
              ? followUntilStopped(refresh, pollMs, stop.signal)
              : new Promise<void>((resolve) =>
                  stop.signal.addEventListener('abort', () => resolve(), { once: true }),
                );
          try {
            await worker;
          } finally {
            stop.abort();
            await app.close();
          }
        },
        { config },
      );
    });
}

/** Without a worker, the API's followed test clock is read every `pollMs` until stopped. */
async function followUntilStopped(refresh: () => Promise<void>, pollMs: number, signal: AbortSignal) {
  while (!signal.aborted) {
    await refresh();
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
}
