import type { Channel } from '../channels/channel.ts';
import { BASE_LOCALE, canonicalLocale } from '../channels/templates/locale-fallback.ts';
import type { TemplateParts } from '../channels/templates/overrides.ts';
import {
  type RenderedMessage,
  type TemplateContext,
  type TemplateLocaleState,
  TemplateNotFoundError,
  type TemplateRenderer,
  TemplateSourceError,
} from '../channels/templates/renderer.ts';
import { isValidTimeZone } from '../domain/contact-hours.ts';
import type { EngineSettings } from '../engine/deps.ts';
import { newId } from '../engine/ids.ts';
import type { Database, Db } from '../store/database.ts';
import { latestPolicyVersions } from '../store/policies.ts';
import { appendTemplateVersion, templateVersionHistory } from '../store/template-versions.ts';
import type { Actor } from './actor.ts';
import { policyDocument } from './policies.ts';

// Templates ship as files, one folder per template and locale (`<root>/<name>/<locale>/{subject,text,html}.liquid`);
// a version saved through the API overrides the file of its (name, locale) until it is reset. The renderer holds
// both: every read here refreshes its copy of the saved versions first, so an answer is never stale.

const PARTS = ['subject', 'text', 'html'] as const;
const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const DAY_MS = 86_400_000;

/** Where a current policy version uses a template. */
export interface TemplateUse {
  readonly policy: string;
  readonly version_id: string;
  readonly steps: string[];
}

/** Where one locale's text comes from, as the API shows it. */
export interface LocaleStatus {
  readonly locale: string;
  readonly state: 'shipped' | 'edited';
  readonly version: number | null;
  readonly shipped_file: boolean;
}

/** A template as lists show it: its locales (and whether each is edited) and the current policies that send it. */
export interface TemplateSummary {
  readonly name: string;
  readonly locales: string[];
  readonly locale_states: LocaleStatus[];
  readonly used_by: TemplateUse[];
}

/** The text of a template in one locale, as the engine sends it, and where it comes from. */
export interface TemplateLocaleSource extends LocaleStatus {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A saved version as the API returns it. */
export interface SavedTemplateVersion {
  readonly name: string;
  readonly locale: string;
  readonly version: number;
  readonly created_at: number;
  readonly created_by: { kind: Actor['kind']; id: string; name: string };
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** One entry of a locale's history: an edit, or a reset to the shipped file. */
export interface TemplateHistoryEntry {
  readonly version: number;
  readonly kind: 'edit' | 'reset';
  readonly current: boolean;
  readonly created_at: number;
  readonly created_by: { kind: Actor['kind']; id: string; name: string };
}

/** What a reset did: the locale is back to its shipped file (or gone, without one). */
export interface TemplateReset {
  readonly name: string;
  readonly locale: string;
  readonly state: 'shipped' | 'removed';
  /** The reset's own number in the history; null when nothing had been saved. */
  readonly marker_version: number | null;
}

/**
 * A save or reset refused: `invalid` input (400), text that does not render (422), a conflict with what exists
 * (409), or nothing to act on (404); `field` names the request part at fault.
 */
export class TemplateSaveError extends Error {
  constructor(
    readonly kind: 'invalid' | 'unprocessable' | 'conflict' | 'not_found',
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
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

/**
 * Every template a policy may send: the shipped ones and those saved through the API, as of now. The API and the
 * CLI both check policies with it; a renderer without saved versions gives the shipped templates alone.
 */
export async function knownTemplateNames(renderer: TemplateRenderer): Promise<Set<string>> {
  await renderer.refresh();
  return new Set(renderer.list());
}

/** Every template, by name, with its locales (shipped or edited) and the current policies that use it. */
export async function listTemplates(db: Db, renderer: TemplateRenderer): Promise<TemplateSummary[]> {
  await renderer.refresh();
  const uses = await templateUses(db);
  return renderer.list().map((name) => {
    const states = renderer.locales(name).map(localeStatus);
    return {
      name,
      locales: states.map((l) => l.locale),
      locale_states: states,
      used_by: uses.get(name) ?? [],
    };
  });
}

/** One template with its text per locale as the engine sends it, or null when there is none of that name. */
export async function getTemplate(
  db: Db,
  renderer: TemplateRenderer,
  name: string,
): Promise<TemplateDetail | null> {
  await renderer.refresh();
  if (!renderer.list().includes(name)) return null;
  const states = renderer.locales(name);
  const uses = await templateUses(db);
  return {
    name,
    locales: states.map((l) => l.locale),
    locale_states: states.map(localeStatus),
    used_by: uses.get(name) ?? [],
    sources: states.map((l) => {
      const source = renderer.source(name, l.locale)!;
      return { ...localeStatus(l), subject: source.subject, text: source.text, html: source.html };
    }),
  };
}

/**
 * Saves template text as the new version of (name, locale), which the engine sends from its next batch on. The
 * text must parse and render with the preview's sample data (422 naming the part otherwise) and nothing is stored
 * unless it does. A new locale of a template, and a new template, are allowed; a new template starts with its
 * base locale, because every locale falls back to it. Saving the text that is already current adds nothing.
 */
export async function saveTemplateVersion(
  database: Database,
  renderer: TemplateRenderer,
  settings: Pick<EngineSettings, 'business' | 'payLinkBase'>,
  input: { name: string; locale: string; parts: TemplateParts; actor: Actor; now: number },
): Promise<{ saved: SavedTemplateVersion; created: boolean }> {
  // Names become folder names and policy references: plain ones only, never a layout or partial folder.
  if (!TEMPLATE_NAME.test(input.name)) {
    throw new TemplateSaveError('invalid', 'path.name', 'lower-case letters, digits and -');
  }
  checkLocale(input.locale);
  await renderer.refresh();
  if (renderer.locales(input.name).length === 0 && input.locale !== BASE_LOCALE) {
    throw new TemplateSaveError(
      'conflict',
      'path.locale',
      `'${input.name}' is a new template: save its '${BASE_LOCALE}' text first, the locale every other one falls back to`,
    );
  }
  try {
    await previewTemplate(renderer, settings, {
      source: input.parts,
      locale: input.locale,
      timeZone: 'UTC',
      sample: {},
      now: input.now,
    });
  } catch (error) {
    if (error instanceof TemplatePreviewError && error.field.startsWith('source.')) {
      throw new TemplateSaveError(
        'unprocessable',
        `body.${error.field.slice('source.'.length)}`,
        error.reason,
      );
    }
    throw error;
  }
  const { row, appended } = await appendTemplateVersion(database, {
    id: newId('tplv'),
    name: input.name,
    locale: input.locale,
    parts: { subject: input.parts.subject, text: input.parts.text, html: input.parts.html },
    actor: { type: input.actor.kind, id: input.actor.id },
    now: input.now,
  });
  await renderer.refresh();
  const saved = row!;
  const [entry] = appended ? [] : await templateVersionHistory(database.db, input.name, input.locale);
  return {
    created: appended,
    saved: {
      name: saved.name,
      locale: saved.locale,
      version: Number(saved.version),
      created_at: Number(saved.created_at),
      created_by: appended
        ? { kind: input.actor.kind, id: input.actor.id, name: input.actor.name }
        : { kind: entry!.actor_type, id: entry!.actor_id, name: entry!.actor_name },
      subject: saved.subject!,
      text: saved.text!,
      html: saved.html!,
    },
  };
}

/**
 * Goes back to the shipped file of (name, locale) by appending a reset marker to its history; a locale without a
 * shipped file is gone until saved again. Nothing is added when there is nothing to reset. Refused when there is
 * neither a shipped file nor a saved version (404), and for the base locale of a template without a shipped one
 * while other locales or current policies still need it (409).
 */
export async function resetTemplate(
  database: Database,
  renderer: TemplateRenderer,
  input: { name: string; locale: string; actor: Actor; now: number },
): Promise<TemplateReset> {
  await renderer.refresh();
  const shippedFile = renderer.hasShipped(input.name, input.locale);
  const current = renderer.locales(input.name).find((l) => l.locale === input.locale);
  if (!shippedFile && current && input.locale === BASE_LOCALE) {
    const others = renderer.locales(input.name).filter((l) => l.locale !== BASE_LOCALE);
    const uses = (await templateUses(database.db)).get(input.name) ?? [];
    if (others.length > 0 || uses.length > 0) {
      throw new TemplateSaveError(
        'conflict',
        'path.locale',
        `'${input.name}' has no shipped '${BASE_LOCALE}' file, and ${
          others.length > 0
            ? `its other locales (${others.map((l) => l.locale).join(', ')}) fall back to this one`
            : `current policies send it (${uses.map((u) => u.policy).join(', ')})`
        }: removing it would leave reminders with nothing to send`,
      );
    }
  }
  const { row, appended } = await appendTemplateVersion(database, {
    id: newId('tplv'),
    name: input.name,
    locale: input.locale,
    parts: null,
    actor: { type: input.actor.kind, id: input.actor.id },
    now: input.now,
  });
  if (!row && !shippedFile) {
    throw new TemplateSaveError(
      'not_found',
      'path.locale',
      `template '${input.name}' has no '${input.locale}' text, shipped or saved`,
    );
  }
  if (appended) await renderer.refresh();
  return {
    name: input.name,
    locale: input.locale,
    state: shippedFile ? 'shipped' : 'removed',
    marker_version: row ? Number(row.version) : null,
  };
}

/** The saved versions of (name, locale), newest first; null when there is no such template text at all. */
export async function templateHistory(
  db: Db,
  renderer: TemplateRenderer,
  name: string,
  locale: string,
): Promise<TemplateHistoryEntry[] | null> {
  const rows = await templateVersionHistory(db, name, locale);
  if (rows.length === 0 && !renderer.hasShipped(name, locale)) return null;
  return rows.map((row, i) => ({
    version: row.version,
    kind: row.subject === null ? 'reset' : 'edit',
    current: i === 0 && row.subject !== null,
    created_at: row.created_at,
    created_by: { kind: row.actor_type, id: row.actor_id, name: row.actor_name },
  }));
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
        // The server's template folder is no business of the caller's: 'Failed to lookup "x"' says enough.
        throw new TemplatePreviewError(`source.${error.part}`, error.reason.replace(/ in "\/[^"]*"/, ''));
      }
      throw error;
    }
  }
  const name = input.name!;
  await renderer.refresh();
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

function localeStatus(l: TemplateLocaleState): LocaleStatus {
  return { locale: l.locale, state: l.state, version: l.version, shipped_file: l.shippedFile };
}

// A locale must be written canonically ('de-AT', not 'de-at'): the engine looks locales up in that form.
function checkLocale(locale: string): void {
  const canonical = canonicalLocale(locale);
  if (canonical === null)
    throw new TemplateSaveError('invalid', 'path.locale', `'${locale}' is not a BCP 47 locale`);
  if (canonical !== locale) {
    throw new TemplateSaveError('invalid', 'path.locale', `write the locale as '${canonical}'`);
  }
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
