import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/env.ts';
import { addKeyToFile } from '../../security/key-file.ts';
import { KeyringError } from '../../security/keyring.ts';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { commandClock, nowOption } from '../now-option.ts';
import { parseWhole } from '../parse.ts';
import { progressBar } from '../progress.ts';

/**
 * `recoup keys rotate [--generate]`: re-encrypts every stored contact value that is not under the active key
 * (values written before encryption at rest included), in short batches; stop it at any point and run it again.
 */
export function registerEncryptionKeys(keysCommand: Command): void {
  keysCommand
    .command('rotate')
    .description(
      're-encrypt stored contact data under the active encryption key (the first in RECOUP_ENCRYPTION_KEYS or ' +
        'the key file); restart every worker and API process with the new keys first; resumable and safe to ' +
        'run again',
    )
    .option('--generate', 'first add a fresh random key to the key file as the new active key')
    .option('--batch-size <n>', 'rows re-encrypted per transaction', '500')
    .addOption(
      nowOption('date the new key and the keys it retires at this instant (default: the current time)'),
    )
    .action(async (options: { generate?: boolean; batchSize: string }) => {
      const batchSize = parseWhole(options.batchSize, '--batch-size', 1, 10_000);
      const config = loadConfig();
      if (options.generate) {
        if (config.encryptionKeys)
          throw new UsageError(
            'keys rotate --generate: RECOUP_ENCRYPTION_KEYS is set, so there is no key file to add to; ' +
              'put a new key first in RECOUP_ENCRYPTION_KEYS (openssl rand -base64 32), restart, then rotate',
          );
        try {
          const key = addKeyToFile(config.encryptionKeyFile, commandClock()?.now());
          console.log(`added key ${key.id} to ${config.encryptionKeyFile} as the active key`);
        } catch (error) {
          throw error instanceof KeyringError ? new ConfigError(error.message) : error;
        }
      }
      const { PLAINTEXT_ID } = await import('../../security/key-registry.ts');
      const { reencryptStoredValues } = await import('../../security/reencrypt.ts');
      await withRuntime(
        async ({ database, deps }) => {
          const bar = progressBar('keys rotate', 'rows');
          const report = await reencryptStoredValues(database, deps.cipher, {
            scope: 'stale',
            batchSize,
            now: deps.clock.now(),
            onProgress: (done, total) => {
              bar.setTotal(total);
              bar.update(done);
            },
          });
          bar.stop();
          console.log(
            `re-encrypted ${report.reencrypted} of ${report.rows} rows under key ${deps.cipher.activeKeyId}`,
          );
          const retired = report.retired.filter((id) => id !== PLAINTEXT_ID);
          if (retired.length > 0)
            console.log(
              `no stored value is encrypted with ${retired.join(', ')} any more: ` +
                `${retired.length === 1 ? 'it' : 'they'} may be removed from ${deps.cipher.keyring.source}`,
            );
          if (report.failed > 0) {
            const listed = report.failures.map((f) => `  ${f.reason}`).join('\n');
            // A known outcome, not a crash: one message without a stack trace, exit code 1.
            const error = new Error(
              `keys rotate: ${report.failed} values could not be decrypted and were left as they were:\n${listed}`,
            );
            error.stack = error.message;
            throw error;
          }
          if (report.remaining > 0)
            console.log(
              `${report.remaining} rows were written under another key meanwhile (a process still running with ` +
                'the old keys?): restart every worker with the new keys and run keys rotate again',
            );
        },
        { config },
      );
    });
}
