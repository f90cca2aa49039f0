import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { withRuntime } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatInstant, table } from '../format.ts';
import { type ListFlags, allOption, cursorOption, jsonOption, jsonRow, printList } from '../listing.ts';
import { parseChoice } from '../parse.ts';

const MESSAGE_STATUSES = ['sending', 'sent', 'failed', 'unknown', 'resent'] as const;

/** `recoup messages list`: what was sent (or written to the local outbox when no SMTP server is set). */
export function registerMessages(program: Command): void {
  program
    .command('messages')
    .description('messages Recoup sent')
    .command('list')
    .option('--case <id>', 'only this case')
    .option('--status <status>', `only messages in this state: ${MESSAGE_STATUSES.join(', ')}`)
    .option('--limit <n>', 'how many on a page', '50')
    .addOption(cursorOption())
    .addOption(allOption())
    .addOption(jsonOption())
    .description(
      'messages, newest first: whether each was opened or clicked, and the outbox file of each one captured locally',
    )
    .action(async (options: ListFlags & { case?: string; status?: string }) => {
      const status = options.status ? parseChoice(options.status, '--status', MESSAGE_STATUSES) : undefined;
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
          fetch: (page) => listMessages(database.db, { caseId: options.case, status }, page),
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
  registerUnknownActions(program.commands.find((c) => c.name() === 'messages')!);
}

/** `recoup messages resend|mark-sent <id>`: a person's answer about a message a crash left unknown. */
function registerUnknownActions(messages: Command): void {
  const actions = [
    ['resend', 'send an unknown message again, as a new message (never a sent one)', 'resendMessage'],
    ['mark-sent', 'mark an unknown message sent (you found it delivered)', 'markMessageSent'],
  ] as const;
  for (const [verb, description, name] of actions) {
    messages
      .command(`${verb} <id>`)
      .description(description)
      .action(async (id: string) => {
        const service = await import('../../services/message-actions.ts');
        const { CaseActionError } = await import('../../services/cases.ts');
        await withRuntime(async ({ deps }) => {
          const operator = userInfo().username;
          const m = await service[name](deps, {
            id,
            actor: { kind: 'cli', id: operator, name: operator },
            now: deps.clock.now(),
          }).catch((error: unknown): never => {
            throw error instanceof CaseActionError ? new UsageError(error.reason) : error;
          });
          console.log(`${m.id}: ${m.status}${m.sent_at === null ? '' : ` at ${formatInstant(m.sent_at)}`}`);
        });
      });
  }
}
