import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ENCODINGS, type Encoding } from '../../import/decode-lines.ts';
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
    .option(
      '--encoding <name>',
      `how the file's characters are stored: ${ENCODINGS.join(' | ')} (UTF-16 byte order from its mark)`,
      'utf-8',
    )
    .addOption(nowOption('stamp what is written as written at this instant (default: the current time)'))
    .action(async (kind: string, file: string, options: { encoding: string }) => {
      const chosen = parseChoice(kind, 'kind', KINDS);
      const encoding: Encoding = parseChoice(options.encoding.toLowerCase(), '--encoding', ENCODINGS);
      const { importFile } = await import('../../import/import-file.ts');
      const { ImportError } = await import('../../import/errors.ts');
      await withRuntime(async ({ database, deps }) => {
        const bar = progressBar(`import ${chosen}`, 'rows');
        try {
          const report = await importFile(database, chosen, resolve(file), {
            now: deps.clock.now(),
            cipher: deps.cipher,
            encoding,
            onProgress: (rows) => bar.update(rows),
          });
          bar.stop();
          console.log(
            `imported ${report.rows} ${chosen} rows: ${report.inserted} new, ${report.updated} updated, ` +
              `${report.unchanged} unchanged, ${report.paymentsRecorded} payments recorded`,
          );
        } catch (error) {
          bar.stop();
          // One problem fits on the one line a usage error has; several are listed below it, one per line.
          if (error instanceof ImportError)
            throw new UsageError(
              `${file}: nothing imported${error.errors.length === 1 ? ': ' : '\n'}${error.message}`,
            );
          throw error;
        }
      });
    });
}
