import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/env.ts';
import { DatabaseUrlError } from '../store/database-url.ts';
import { registerCases } from './commands/cases.ts';
import { registerCustomers } from './commands/customers.ts';
import { registerDemo } from './commands/demo.ts';
import { registerEncryptionKeys } from './commands/encryption-keys.ts';
import { registerImport } from './commands/import.ts';
import { registerInvoices } from './commands/invoices.ts';
import { registerKeys } from './commands/keys.ts';
import { registerMessages } from './commands/messages.ts';
import { registerOperations } from './commands/operations.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerStart } from './commands/start.ts';
import { registerStripe } from './commands/stripe.ts';
import { registerTick } from './commands/tick.ts';
import { registerUsers } from './commands/users.ts';
import { registerWebhooks } from './commands/webhooks.ts';
import { registerWorker } from './commands/worker.ts';
import { EXIT, UsageError } from './errors.ts';
import { resolveCommandTime } from './now-option.ts';
import { UnavailableError } from './unavailable.ts';

/** The `recoup` command with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command('recoup')
    .description('Recoup: dunning and collections engine')
    .version('0.1.0')
    .option('--verbose', 'print the stack trace of an error (or set RECOUP_VERBOSE=1)')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    // Every command's --now or --test-clock is read here, before its action: withRuntime opens on that clock.
    .hook('preAction', resolveCommandTime);
  registerOperations(program);
  registerPolicy(program);
  registerTick(program);
  registerWorker(program);
  registerWebhooks(program);
  registerCases(program);
  registerMessages(program);
  registerImport(program);
  registerStripe(program);
  registerDemo(program);
  registerStart(program);
  registerUsers(program);
  registerEncryptionKeys(registerKeys(program));
  registerCustomers(program);
  registerInvoices(program);
  for (const command of program.commands)
    command.exitOverride().configureOutput({ writeErr: () => undefined });
  return program;
}

/**
 * Runs the CLI. Every error is one line (bad input adds the list of its errors, where there are several): exit 2
 * for bad input, 3 for a database, folder or port out of reach, 1 for anything unexpected; the stack trace is
 * printed only with --verbose or RECOUP_VERBOSE=1.
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    const verbose = program.opts()['verbose'] === true || process.env['RECOUP_VERBOSE'] === '1';
    return report(error, verbose);
  }
}

/** Prints an error as its kind deserves and returns the exit code. */
function report(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    )
      return EXIT.ok;
    console.error(`recoup: ${error.message.replace(/^error: /, '')}`);
    return EXIT.badInput;
  }
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof DatabaseUrlError) {
    console.error(`recoup: ${error.message}`);
    return EXIT.badInput;
  }
  if (error instanceof UnavailableError) {
    console.error(`recoup: ${error.message}`);
    if (verbose) console.error(stackOf(error.cause));
    return EXIT.unavailable;
  }
  if (verbose) {
    console.error(`recoup: ${stackOf(error)}`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      `recoup: unexpected error: ${message.split('\n')[0]} (run again with --verbose for the stack trace)`,
    );
  }
  return EXIT.failure;
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

process.exitCode = await main(process.argv);
