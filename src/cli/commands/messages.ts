import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { withRuntime } from '../context.ts';
import { formatInstant, table } from '../format.ts';
import { type ListFlags, allOption, cursorOption, jsonOption, jsonRow, printList } from '../listing.ts';

/** `recoup messages list`: what was sent (or written to the local outbox when no SMTP server is set). */
export function registerMessages(program: Command): void {
  program
    .command('messages')
    .description('messages Recoup sent')
    .command('list')
    .option('--case <id>', 'only this case')
    .option('--limit <n>', 'how many on a page', '50')
    .addOption(cursorOption())
    .addOption(allOption())
    .addOption(jsonOption())
    .description(
      'messages, newest first: whether each was opened or clicked, and the outbox file of each one captured locally',
    )
    .action(async (options: ListFlags & { case?: string }) => {
      const { listMessages } = await import('../../services/messages.ts');
      const { emailSettingsView } = await import('../../services/email-settings.ts');
      const { openRecipient } = await import('../../store/message-recipients.ts');
      await withRuntime(async ({ database, config, deps }) => {
        // A message captured while no SMTP server was set keeps its file, whatever sends email now.
        const outbox = config.outboxDir;
        const { source } = await emailSettingsView(database.db, config);
        const fileOf = (id: string) => {
          const file = join(outbox, `${id}.eml`);
          return existsSync(file) ? file : null;
        };
        await printList(options, {
          noun: 'messages',
          fetch: (page) => listMessages(database.db, { caseId: options.case }, page),
          json: (m) => ({ ...jsonRow(m), recipient: openRecipient(deps.cipher, m), file: fileOf(m.id) }),
          table: (rows) =>
            table(
              ['at', 'status', 'seen', 'channel', 'template', 'locale', 'to', 'subject', 'file'],
              rows.map((m) => {
                return [
                  formatInstant(m.created_at),
                  m.status,
                  // Opens are approximate (mail apps block or prefetch the pixel); a click is a person.
                  m.clicked_at !== null ? 'clicked' : m.opened_at !== null ? 'opened' : '',
                  m.channel,
                  m.template,
                  m.locale,
                  openRecipient(deps.cipher, m),
                  m.subject,
                  fileOf(m.id) ?? '',
                ];
              }),
            ),
        });
        if (source === 'outbox' && !options.json) {
          console.log(
            `\nNo SMTP server is set (RECOUP_SMTP_URL or Settings → Email): emails are captured as .eml files in ${outbox}`,
          );
        }
      });
    });
}
