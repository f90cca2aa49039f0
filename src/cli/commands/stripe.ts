import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/env.ts';
import type { TimeZoneOrigin } from '../../domain/synced-time-zone.ts';
import type { StripeSyncReport, SyncCounts } from '../../integrations/stripe/sync.ts';
import { withRuntime } from '../context.ts';
import { nowOption } from '../now-option.ts';
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
      "copy Stripe customers, their cards and open invoices into Recoup, Stripe's failed charges as attempts, " +
        'and record what Stripe closed; after the first, a sync reads only what changed; an interrupted sync ' +
        'resumes where it stopped',
    )
    .option('--full', 'read every customer and card again, not only what changed since the last sync')
    .option('--page-size <n>', 'objects per Stripe request, 1 to 100', '100')
    .addOption(
      nowOption('the instant Recoup takes failed invoices over at, ISO 8601 with a zone (default: now)'),
    )
    .action(async (options: { pageSize: string; full?: boolean }) => {
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
              mode: options.full ? 'full' : 'incremental',
              timeZones: { metadataKeys: config.timeZoneMetadataKeys, fallback: config.defaultTimeZone },
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

const ZONE_SOURCES: Readonly<Record<TimeZoneOrigin, string>> = {
  metadata: 'from metadata',
  address_region: "from the address's region",
  address_country: "from the address's country",
  default: 'the business default',
  kept: "Recoup's kept",
};

function printReport(
  report: StripeSyncReport,
  heading = report.resumed ? 'resumed and finished' : 'done',
): void {
  const n = (v: number) => v.toLocaleString('en-US');
  console.log(`stripe sync ${heading} (${report.mode}, ${n(report.requests)} requests to Stripe):`);
  console.log(`  customers        ${counts(report.customers)}`);
  console.log(`  payment methods  ${counts(report.paymentMethods)}`);
  console.log(
    `  invoices         ${counts(report.invoices)}; ${n(report.invoices.paymentsRecorded)} payments recorded, ` +
      `${n(report.closedChecked)} no longer open in Stripe checked`,
  );
  const a = report.stripeAttempts;
  console.log(
    `  stripe attempts  ${n(a.recorded)} failed charges recorded, ${n(a.blocking)} of them blocking their card` +
      (a.unattributed > 0 ? `, ${n(a.unattributed)} on a card Recoup does not hold` : ''),
  );
  const zones = Object.entries(report.timeZones)
    .filter(([, count]) => count > 0)
    .map(([source, count]) => `${n(count)} ${ZONE_SOURCES[source as TimeZoneOrigin]}`);
  console.log(`  time zones       ${zones.length > 0 ? zones.join(', ') : 'no customers written'}`);
  if (report.warnings.length === 0) return;
  console.error(`${report.warnings.length} warnings:`);
  for (const warning of report.warnings.slice(0, WARNINGS_SHOWN)) console.error(`  ${warning}`);
  if (report.warnings.length > WARNINGS_SHOWN)
    console.error(`  … and ${report.warnings.length - WARNINGS_SHOWN} more`);
}

function counts(c: SyncCounts): string {
  const skipped = Object.entries(c.skipped);
  const total = skipped.reduce((sum, [, v]) => sum + v, 0);
  const why = skipped.length > 0 ? ` (${skipped.map(([reason, v]) => `${reason}: ${v}`).join(', ')})` : '';
  return `${c.inserted} new, ${c.updated} changed, ${c.unchanged} unchanged, ${total} skipped${why}`;
}
