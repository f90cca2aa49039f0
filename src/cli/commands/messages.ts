import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { withRuntime } from '../context.ts';
import { formatInstant, table } from '../format.ts';
import { parseWhole } from '../parse.ts';

/** `recoup messages list`: what was sent (or written to the local outbox when no SMTP server is set). */
export function registerMessages(program: Command): void {
  program
    .command('messages')
    .description('messages Recoup sent')
    .command('list')
    .option('--case <id>', 'only this case')
    .option('--limit <n>', 'how many', '50')
    .description(
      'messages, newest first: whether each was opened or clicked, and the outbox file of each one captured locally',
    )
    .action(async (options: { case?: string; limit: string }) => {
      const limit = parseWhole(options.limit, '--limit', 1, 10_000);
      const { listMessages } = await import('../../services/messages.ts');
      const { emailSettingsView } = await import('../../services/email-settings.ts');
      const { openRecipient } = await import('../../store/message-recipients.ts');
      await withRuntime(async ({ database, config, deps }) => {
        const rows = await listMessages(database.db, { caseId: options.case }, { after: null, limit });
        // A message captured while no SMTP server was set keeps its file, whatever sends email now.
        const outbox = config.outboxDir;
        const { source } = await emailSettingsView(database.db, config);
        console.log(
          table(
            ['at', 'status', 'seen', 'channel', 'template', 'locale', 'to', 'subject', 'file'],
            rows.map((m) => {
              const file = join(outbox, `${m.id}.eml`);
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
                existsSync(file) ? file : '',
              ];
            }),
          ),
        );
        if (source === 'outbox') {
          console.log(
            `\nNo SMTP server is set (RECOUP_SMTP_URL or Settings → Email): emails are captured as .eml files in ${outbox}`,
          );
        }
      });
    });
}
