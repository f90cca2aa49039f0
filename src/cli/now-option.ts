import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from '../config/env.ts';
import type { Clock } from '../engine/clock.ts';
import { UsageError } from './errors.ts';
import { parseInstant } from './parse.ts';

/*
 * Time is a parameter of every command that acts on it: `--now` gives the instant a command stamps and decides by,
 * `--test-clock` makes it follow a Stripe test clock, so that a whole deployment can be rehearsed on a virtual or
 * test clock. A command takes them with `.addOption(nowOption())` (or `addNowOption(command)`); one `preAction`
 * hook on the program (`resolveCommandTime`) reads them before any action runs, and `withRuntime` then opens Recoup
 * on the clock they gave, or on the system clock when neither was given.
 */

/** The time a command was given: a fixed instant (`--now`) or a followed Stripe test clock (`--test-clock`). */
interface CommandTime {
  readonly clock: Clock;
  /** Reads the followed clock again (it keeps its last time when that fails, then throws); `--test-clock` only. */
  readonly refresh?: () => Promise<number>;
}

const NOW_DESCRIPTION =
  'act at this instant instead of the current time, ISO 8601 with a zone, e.g. 2026-03-01T09:00:00Z';

const TEST_CLOCK_DESCRIPTION =
  "follow this Stripe test clock's time (clock_…; needs RECOUP_STRIPE_SECRET_KEY) to rehearse in test mode";

// One command runs per process: the time its options gave is kept here for `withRuntime` and the action.
let given: CommandTime | undefined;

/** The `--now <instant>` option, for a command that writes a time or decides by one. */
export function nowOption(description = NOW_DESCRIPTION): Option {
  return new Option('--now <instant>', description);
}

/** Adds `--now <instant>` to a command (the same as `.addOption(nowOption(description))`); returns the command. */
export function addNowOption(command: Command, description?: string): Command {
  return command.addOption(nowOption(description));
}

/**
 * The `--test-clock <clock_id>` option: the command's clock follows that Stripe test clock's `frozen_time`, read
 * once at start (a loop reads it again through `refreshCommandClock`). It cannot be combined with `--now`.
 */
export function testClockOption(description = TEST_CLOCK_DESCRIPTION): Option {
  return new Option('--test-clock <clock_id>', description).conflicts('now');
}

/**
 * The program's `preAction` hook: reads the running command's `--now` or `--test-clock`. A bad instant is bad
 * input naming `--now`; an unknown test clock is bad input naming `--test-clock`.
 */
export async function resolveCommandTime(_program: Command, actionCommand: Command): Promise<void> {
  const options = actionCommand.opts<{ now?: unknown; testClock?: unknown }>();
  given = undefined;
  if (typeof options.now === 'string') {
    const at = parseInstant(options.now, '--now');
    given = { clock: { now: () => at } };
  } else if (typeof options.testClock === 'string') {
    given = await followTestClock(options.testClock);
  }
}

/** The clock the running command's `--now` or `--test-clock` gave, or undefined for the system clock. */
export function commandClock(): Clock | undefined {
  return given?.clock;
}

/**
 * For a command that loops over time (the worker): a function that reads the followed test clock again, to run
 * before each pass; a failed read keeps the last time and logs a warning. Undefined when nothing moves the clock
 * from outside (a fixed `--now`, or the system clock).
 */
export function refreshCommandClock(logger: Pick<Logger, 'warn'>): (() => Promise<void>) | undefined {
  const time = given;
  const refresh = time?.refresh;
  if (!time || !refresh) return undefined;
  return async () => {
    try {
      await refresh();
    } catch (error) {
      logger.warn(
        { err: error, now: new Date(time.clock.now()).toISOString() },
        'could not read the Stripe test clock; keeping its last time',
      );
    }
  };
}

/** Reads the Stripe test clock once (an unknown id is bad input) and returns a clock that follows it. */
async function followTestClock(id: string): Promise<CommandTime> {
  const config = loadConfig();
  if (!config.stripeSecretKey)
    throw new ConfigError('RECOUP_STRIPE_SECRET_KEY: required for --test-clock (a Stripe test mode key)');
  // Loaded here: the Stripe SDK is a fifth of the CLI's start-up, and only a rehearsal needs it.
  const { createStripeClient } = await import('../gateways/stripe/stripe-client.ts');
  const { TestClockNotFoundError, readTestClock } = await import('../gateways/stripe/test-clock.ts');
  const { FollowedClock } = await import('../engine/followed-clock.ts');
  const stripe = createStripeClient({ secretKey: config.stripeSecretKey, apiBase: config.stripeApiBase });
  try {
    const clock = await FollowedClock.follow(() => readTestClock(stripe, id));
    return { clock, refresh: () => clock.refresh() };
  } catch (error) {
    if (error instanceof TestClockNotFoundError) throw new UsageError(`--test-clock: ${error.message}`);
    if ((error as { type?: string }).type === 'StripeAuthenticationError')
      throw new ConfigError(`RECOUP_STRIPE_SECRET_KEY: Stripe refused the key (${(error as Error).message})`);
    // Stripe could not be asked (network, outage): one line and exit 1, before anything has run.
    const failure = new Error(
      `--test-clock: could not read Stripe test clock ${id}: ${(error as Error).message}`,
    );
    failure.stack = failure.message;
    throw failure;
  }
}
