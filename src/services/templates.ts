import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Channel } from '../channels/channel.ts';
import { isValidTimeZone } from '../domain/contact-hours.ts';
import {
  type RenderedMessage,
  type TemplateContext,
  TemplateNotFoundError,
  type TemplateRenderer,
  TemplateSourceError,
} from '../channels/templates/renderer.ts';
import type { EngineSettings } from '../engine/deps.ts';
import { newId } from '../engine/ids.ts';
import type { Db } from '../store/database.ts';
import { latestPolicyVersions } from '../store/policies.ts';
import { policyDocument } from './policies.ts';

// Templates are read from disk, one folder per template and locale (`<root>/<name>/<locale>/{subject,text,html}.liquid`);
// editing them through the API comes with the dashboard.

const PARTS = ['subject', 'text', 'html'] as const;
const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const DAY_MS = 86_400_000;

/** Where a current policy version uses a template. */
export interface TemplateUse {
  readonly policy: string;
  readonly version_id: string;
  readonly steps: string[];
}

/** A template as lists show it: its locales and the current policies that send it. */
export interface TemplateSummary {
  readonly name: string;
  readonly locales: string[];
  readonly used_by: TemplateUse[];
}

/** The text of a template in one locale. */
export interface TemplateLocaleSource {
  readonly locale: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A template with its text in every locale. */
export interface TemplateDetail extends TemplateSummary {
  readonly sources: TemplateLocaleSource[];
}

/** Sample data for a preview; anything left out gets a plausible default. */
export interface PreviewSample {
  readonly customerName?: string | undefined;
  readonly customerEmail?: string | undefined;
  readonly amountDue?: number | undefined;
  readonly currency?: string | undefined;
  readonly invoices?: { number: string; amount: number; dueAt: number }[] | undefined;
  readonly declineClass?: TemplateContext['declineClass'] | undefined;
  readonly daysOverdue?: number | undefined;
}

/** A preview that cannot be rendered; `field` names the input at fault (`name`, `locale`, `source.html`). */
export class TemplatePreviewError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** A test message the channel did not take; `permanent` when sending it again would fail the same way. */
export class TestSendError extends Error {
  constructor(
    readonly reason: string,
    readonly permanent: boolean,
  ) {
    super(reason);
  }
}

/**
 * Renders a stored template with the preview's sample data and sends it to `to` over the configured channel, with
 * `[TEST] ` before the subject so nobody takes it for a real reminder. Nothing is recorded: it is no customer's
 * message. Returns the message id, which the email's Message-ID carries.
 */
export async function sendTestMessage(
  renderer: TemplateRenderer,
  channels: ReadonlyMap<string, Channel>,
  settings: Pick<EngineSettings, 'business' | 'payLinkBase'>,
  input: { template: string; locale: string; channel: string; to: string; now: number },
): Promise<{ messageId: string; recipient: string }> {
  const channel = channels.get(input.channel);
  if (!channel) throw new TemplatePreviewError('channel', `no '${input.channel}' channel is configured`);
  const rendered = await previewTemplate(renderer, settings, {
    name: input.template,
    locale: input.locale,
    timeZone: 'UTC',
    sample: {},
    now: input.now,
  });
  const id = newId('msg');
  const result = await channel.send({
    id,
    idempotencyKey: `recoup:test-send:${id}`,
    channel: input.channel,
    to: input.to,
    subject: `[TEST] ${rendered.subject}`,
    text: rendered.text,
    html: rendered.html,
    headers: {},
  });
  if (result.status === 'failed') throw new TestSendError(result.error, result.permanent);
  return { messageId: id, recipient: input.to };
}

/** The names of the templates under `root`, for checking the templates a policy names. */
export function templateNames(root: string): Set<string> {
  return new Set(names(root));
}

/** Every template under `root`, by name, with its locales and the current policies that use it. */
export async function listTemplates(db: Db, root: string): Promise<TemplateSummary[]> {
  const uses = await templateUses(db);
  return names(root).map((name) => ({ name, locales: locales(root, name), used_by: uses.get(name) ?? [] }));
}

/** One template with its text per locale, or null when there is none of that name. */
export async function getTemplate(db: Db, root: string, name: string): Promise<TemplateDetail | null> {
  if (!names(root).includes(name)) return null;
  const found = locales(root, name);
  const uses = await templateUses(db);
  return {
    name,
    locales: found,
    used_by: uses.get(name) ?? [],
    sources: found.map((locale) => {
      const read = (part: string) => readFileSync(join(root, name, locale, `${part}.liquid`), 'utf8');
      return { locale, subject: read('subject'), text: read('text'), html: read('html') };
    }),
  };
}

/**
 * Renders a stored template (with the engine's locale fallback) or inline template text, with sample data, as a
 * customer would receive it. Every failure names the input at fault.
 */
export async function previewTemplate(
  renderer: TemplateRenderer,
  settings: Pick<EngineSettings, 'business' | 'payLinkBase'>,
  input: {
    name?: string | undefined;
    source?: Readonly<Record<(typeof PARTS)[number], string>> | undefined;
    locale: string;
    timeZone: string;
    sample: PreviewSample;
    now: number;
  },
): Promise<RenderedMessage> {
  if ((input.name === undefined) === (input.source === undefined)) {
    throw new TemplatePreviewError('name', 'give either a template name or an inline source, not both');
  }
  if (!isValidTimeZone(input.timeZone)) {
    throw new TemplatePreviewError('time_zone', `unknown IANA time zone '${input.timeZone}'`);
  }
  const ctx = sampleContext(settings, input.sample, input.now);
  if (input.source) {
    try {
      return await renderer.renderSource(input.source, input.locale, ctx, input.timeZone);
    } catch (error) {
      if (error instanceof TemplateSourceError) {
        throw new TemplatePreviewError(`source.${error.part}`, error.reason);
      }
      throw error;
    }
  }
  const name = input.name!;
  if (!renderer.list().includes(name)) throw new TemplatePreviewError('name', `no template named '${name}'`);
  try {
    return await renderer.render(name, input.locale, ctx, input.timeZone);
  } catch (error) {
    if (error instanceof TemplateNotFoundError) throw new TemplatePreviewError('locale', error.message);
    throw new TemplatePreviewError('name', `template '${name}' does not render: ${(error as Error).message}`);
  }
}

/** The data a preview renders with: the business's own settings, and the sample (or defaults) for the rest. */
export function sampleContext(
  settings: Pick<EngineSettings, 'business' | 'payLinkBase'>,
  sample: PreviewSample,
  now: number,
): TemplateContext {
  const currency = sample.currency ?? 'EUR';
  const amount = sample.amountDue ?? 4_900;
  const daysOverdue = sample.daysOverdue ?? 3;
  const invoices = sample.invoices ?? [{ number: 'INV-1001', amount, dueAt: now - daysOverdue * DAY_MS }];
  const caseLink = `${settings.payLinkBase}/case_preview`;
  return {
    business: settings.business,
    customer: {
      name: sample.customerName ?? 'Ada Lovelace',
      email: sample.customerEmail ?? 'ada@example.com',
    },
    amountDue: { amount, currency },
    invoices: invoices.map((i) => ({ number: i.number, amount: i.amount, currency, dueAt: i.dueAt })),
    payLink: caseLink,
    updatePaymentLink: `${caseLink}/payment-method`,
    unsubscribeLink: `${caseLink}/unsubscribe`,
    declineClass: sample.declineClass === undefined ? 'soft' : sample.declineClass,
    daysOverdue,
  };
}

function names(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && TEMPLATE_NAME.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

// A locale counts once all three parts are there: the renderer would fall back past a partial one.
function locales(root: string, name: string): string[] {
  return readdirSync(join(root, name), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((locale) => PARTS.every((part) => existsSync(join(root, name, locale, `${part}.liquid`))))
    .sort();
}

async function templateUses(db: Db): Promise<Map<string, TemplateUse[]>> {
  const uses = new Map<string, TemplateUse[]>();
  for (const row of await latestPolicyVersions(db)) {
    const steps = new Map<string, string[]>();
    for (const step of policyDocument(row).steps) {
      if (step.action !== 'remind') continue;
      steps.set(step.template, [...(steps.get(step.template) ?? []), step.id]);
    }
    for (const [template, ids] of steps) {
      uses.set(template, [
        ...(uses.get(template) ?? []),
        { policy: row.name, version_id: row.id, steps: ids },
      ]);
    }
  }
  return uses;
}
