import type { Command } from 'commander';
import { unavailable } from '../context.ts';
import { UsageError } from '../errors.ts';
import { commandClock, nowOption } from '../now-option.ts';
import { parseInstant, parseWhole } from '../parse.ts';

const DEMO_DATABASE = 'sqlite:./recoup-demo.db';

interface DemoOptions {
  customers: string;
  days: string;
  seed: string;
  database: string;
  start: string;
  serve: boolean;
  port?: string;
}

/** `recoup demo`: a synthetic business run through the real engine on a fresh database, then its recovery. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'simulate a business through the real engine on a fresh demo database and show what it recovered',
    )
    .option('--customers <n>', 'how many customers, 1 to 200000', '2000')
    .option('--days <n>', 'how many days to simulate, 1 to 365', '60')
    .option('--seed <n>', 'random seed: the same seed builds the same business', '42')
    .option(
      '--database <url>',
      'sqlite:PATH (deleted and recreated) or an empty postgres:// database',
      DEMO_DATABASE,
    )
    .option('--start <instant>', 'the first simulated instant', '2026-01-05T00:00:00Z')
    .addOption(nowOption('the first simulated instant, as --start'))
    .option('--no-serve', 'exit after the simulation instead of serving the dashboard on its data')
    .option('--port <port>', 'port for the dashboard (default RECOUP_PORT or 4000)')
    .action(async (options: DemoOptions, command: Command) => {
      const began = performance.now();
      const run = {
        customers: parseWhole(options.customers, '--customers', 1, 200_000),
        days: parseWhole(options.days, '--days', 1, 365),
        seed: parseWhole(options.seed, '--seed', 0, 4_294_967_295),
        start: firstInstant(options.start, command.getOptionValueSource('start') !== 'default'),
        database: options.database,
        serve: options.serve,
        port: options.port === undefined ? undefined : parseWhole(options.port, '--port', 1, 65_535),
      };
      // The simulation is loaded when it runs, so that `recoup --help` does not load the engine.
      const { runDemo } = await import('./demo-run.ts');
      await runDemo(run, began).catch((error: unknown) => {
        throw unavailable(error, { databaseUrl: run.database, setting: '--database' });
      });
    });
}

/** The simulation's first instant: --now and --start say the same thing, so both may be given only if they agree. */
function firstInstant(start: string, startGiven: boolean): number {
  const fromStart = parseInstant(start, '--start');
  const now = commandClock()?.now();
  if (now === undefined) return fromStart;
  if (startGiven && fromStart !== now)
    throw new UsageError(
      '--now: the first simulated instant, which --start gives differently; give one or the other',
    );
  return now;
}
