import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/env.ts';
import type { StripeSyncReport, SyncCounts } from '../../integrations/stripe/sync.ts';
import { withRuntime } from '../context.ts';
import { parseWhole } from '../parse.ts';
import { progressBar } from '../progress.ts';

const WARNINGS_SHOWN = 20;

/** `recoup stripe sync`: copy customers, cards and open invoices from Stripe; resumable and safe to re-run. */
export function registerStripe(program: Command): void {
  const stripe = program
    .command('stripe')
    .description('work with the Stripe account in RECOUP_STRIPE_SECRET_KEY');
  stripe
    .command('sync')
    .description(
      'copy Stripe customers, their cards and open invoices into Recoup and record what Stripe closed; ' +
        'an interrupted sync resumes where it stopped',
    )
    .option('--page-size <n>', 'objects per Stripe request, 1 to 100', '100')
    .action(async (options: { pageSize: string }) => {
      const pageSize = parseWhole(options.pageSize, '--page-size', 1, 100);
      const config = loadConfig();
      if (!config.stripeSecretKey) {
        throw new ConfigError('RECOUP_STRIPE_SECRET_KEY: required for recoup stripe sync');
      }
      // Loaded here: the Stripe SDK is a fifth of the CLI's start-up, and only this command needs it.
      const { createStripeClient } = await import('../../gateways/stripe/stripe-client.ts');
      const { StripeSyncError, syncStripe } = await import('../../integrations/stripe/sync.ts');
      const client = createStripeClient({ secretKey: config.stripeSecretKey, apiBase: config.stripeApiBase });
      await withRuntime(
        async ({ database, deps }) => {
          const bar = progressBar('stripe sync', 'objects');
          const synced = new Map<string, number>();
          try {
            const report = await syncStripe(database, client, {
              cipher: deps.cipher,
              now: deps.clock.now(),
              pageSize,
              onProgress: ({ resource, synced: n }) => {
                synced.set(resource, n);
                bar.update([...synced.values()].reduce((a, b) => a + b, 0));
              },
            });
            bar.stop();
            printReport(report);
          } catch (error) {
            bar.stop();
            if (error instanceof StripeSyncError) printReport(error.report, 'synced before it stopped');
            throw error;
          }
        },
        { config },
      );
    });
}

function printReport(
  report: StripeSyncReport,
  heading = report.resumed ? 'resumed and finished' : 'done',
): void {
  console.log(`stripe sync ${heading}:`);
  console.log(`  customers        ${counts(report.customers)}`);
  console.log(`  payment methods  ${counts(report.paymentMethods)}`);
  console.log(
    `  invoices         ${counts(report.invoices)}; ${report.invoices.paymentsRecorded} payments recorded, ` +
      `${report.closedChecked} no longer open in Stripe checked`,
  );
  if (report.warnings.length === 0) return;
  console.error(`${report.warnings.length} warnings:`);
  for (const warning of report.warnings.slice(0, WARNINGS_SHOWN)) console.error(`  ${warning}`);
  if (report.warnings.length > WARNINGS_SHOWN)
    console.error(`  … and ${report.warnings.length - WARNINGS_SHOWN} more`);
}

function counts(c: SyncCounts): string {
  return `${c.inserted} new, ${c.updated} updated, ${c.unchanged} unchanged, ${c.skipped} skipped`;
}
