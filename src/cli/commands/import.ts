import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ImportKind } from '../../import/import-file.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { nowOption } from '../now-option.ts';
import { parseChoice } from '../parse.ts';
import { progressBar } from '../progress.ts';

const KINDS: ImportKind[] = ['customers', 'payment-methods', 'invoices'];

/** `recoup import KIND FILE`: all or nothing per file, idempotent on external ids. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .argument('<kind>', KINDS.join(' | '))
    .argument('<file>', 'a .csv file with a header row, or .jsonl with one JSON object per line')
    .description('import customers, payment methods or invoices; a file with any bad row changes nothing')
    .addOption(nowOption('stamp what is written as written at this instant (default: the current time)'))
    .action(async (kind: string, file: string) => {
      const chosen = parseChoice(kind, 'kind', KINDS);
      const { importFile } = await import('../../import/import-file.ts');
      const { ImportError } = await import('../../import/errors.ts');
      await withRuntime(async ({ database, deps }) => {
        const bar = progressBar(`import ${chosen}`, 'rows');
        try {
          const report = await importFile(database, chosen, resolve(file), {
            now: deps.clock.now(),
            cipher: deps.cipher,
            onProgress: (rows) => bar.update(rows),
          });
          bar.stop();
          console.log(
            `imported ${report.rows} ${chosen} rows: ${report.inserted} new, ${report.updated} updated, ` +
              `${report.unchanged} unchanged, ${report.paymentsRecorded} payments recorded`,
          );
        } catch (error) {
          bar.stop();
          if (error instanceof ImportError)
            throw new UsageError(`${file}: nothing imported\n${error.message}`);
          throw error;
        }
      });
    });
}
