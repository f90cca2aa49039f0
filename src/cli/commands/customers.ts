import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { nowOption } from '../now-option.ts';
import { registerCustomerList } from './customer-list.ts';

/** `recoup customers export|erase`: a data subject's access and erasure requests (GDPR Art. 15, 17 and 20). */
export function registerCustomers(program: Command): void {
  const customers = program
    .command('customers')
    .description('list and show customers; export or erase what Recoup holds about one (GDPR requests)');
  registerCustomerList(customers);

  customers
    .command('export')
    .argument('<id>', 'customer id, or the external id from your billing system')
    .description(
      'print everything Recoup holds about the customer as one JSON document, contact data decrypted',
    )
    .action(async (id: string) => {
      const { findCustomerId } = await import('../../privacy/customer-lookup.ts');
      const { exportCustomer } = await import('../../privacy/customer-export.ts');
      await withRuntime(async ({ database, deps }) => {
        const customerId = await findCustomerId(database.db, id);
        if (!customerId) throw new UsageError(`customers export: no customer '${id}'`);
        const document = await exportCustomer(database, deps.cipher, customerId);
        process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      });
    });

  customers
    .command('erase')
    .argument('<id>', 'customer id, or the external id from your billing system')
    .option('--yes', 'confirm: personal data is replaced for good (invoices, payments and amounts are kept)')
    .description(
      "erase the customer's personal data, keep the financial records, and stop every further message",
    )
    .addOption(nowOption('record the erasure at this instant (default: the current time)'))
    .action(async (id: string, options: { yes?: boolean }) => {
      if (!options.yes)
        throw new UsageError(`customers erase: this cannot be undone; run again with --yes to erase '${id}'`);
      const { findCustomerId } = await import('../../privacy/customer-lookup.ts');
      const { eraseCustomer } = await import('../../privacy/customer-erasure.ts');
      await withRuntime(async ({ database, deps, config }) => {
        const customerId = await findCustomerId(database.db, id);
        if (!customerId) throw new UsageError(`customers erase: no customer '${id}'`);
        const report = await eraseCustomer(database, deps.cipher, customerId, deps.clock.now());
        if (report.alreadyErased) {
          console.log(`customer ${customerId} was already erased; nothing changed`);
          if (!report.reclaimed) console.log(UNRECLAIMED);
          return;
        }
        // Emails sent while no SMTP server was set are files on this machine, holding the same personal data;
        // they stay after a server is set, so they are looked for whatever sends email now.
        let files = 0;
        for (const messageId of report.messageIds) {
          const file = join(config.outboxDir, `${messageId}.eml`);
          try {
            rmSync(file);
            files += 1;
          } catch {
            // not captured here (sent over SMTP, another outbox, or already removed)
          }
        }
        deps.logger.info({ customer: customerId }, 'customer erased');
        console.log(
          `erased customer ${customerId}: ${report.messageIds.length} messages and ${report.cases} cases scrubbed` +
            `${files > 0 ? `, ${files} outbox files removed` : ''}; invoices and payments kept`,
        );
        if (!report.reclaimed) console.log(UNRECLAIMED);
      });
    });
}

/** Said when a reader kept an erasure's old row versions in SQLite's write-ahead log. */
const UNRECLAIMED =
  'note: another process was reading the database, so old copies of the erased data are still in its ' +
  'write-ahead log; run the erase again when the workers are idle';
