import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid, type LiquidOptions, type Template } from 'liquidjs';
import { isValidTimeZone } from '../../domain/contact-hours.ts';
import { type MessageGlobals, registerMessageFilters } from './filters.ts';
import { formattingLocale, localeFallbacks } from './locale-fallback.ts';
import type { TemplateOverrides, TemplateParts } from './overrides.ts';

/** Everything a message template may refer to; amounts are minor units, instants epoch ms. */
export interface TemplateContext {
  business: { name: string; supportEmail: string };
  customer: { name: string; email: string | null };
  amountDue: { amount: number; currency: string };
  invoices: { number: string; amount: number; currency: string; dueAt: number }[];
  payLink: string;
  updatePaymentLink: string;
  unsubscribeLink: string;
  declineClass: 'soft' | 'hard' | 'action_required' | null;
  daysOverdue: number;
}

/**
 * A rendered message; `locale` is the template locale actually used after fallback, `version` the saved template
 * version rendered (null: the shipped file, or inline text).
 */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  locale: string;
  version: number | null;
}

/** Where one locale of a template comes from: the shipped file, or a version saved through the API. */
export interface TemplateLocaleState {
  readonly locale: string;
  readonly state: 'shipped' | 'edited';
  /** The saved version in use; null when the shipped file is. */
  readonly version: number | null;
  /** Whether a shipped file exists, i.e. whether a reset brings text back. */
  readonly shippedFile: boolean;
}

/** The email templates shipped with Recoup (`templates/email` in the repository). */
export const DEFAULT_TEMPLATE_ROOT = fileURLToPath(new URL('../../../templates/email', import.meta.url));

const PARTS = ['subject', 'text', 'html'] as const;
type Part = (typeof PARTS)[number];
// Names become path segments, so only plain ones are accepted; '_' folders hold layouts and partials.
const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const LOCALE_NAME = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

/** No template of that name exists in the requested locale or any of its fallbacks. */
export class TemplateNotFoundError extends Error {
  override readonly name = 'TemplateNotFoundError';

  constructor(
    readonly template: string,
    readonly locale: string,
  ) {
    super(`no template '${template}' for locale '${locale}' or its fallbacks`);
  }
}

/** Inline template text that does not parse or render; names the part at fault. */
export class TemplateSourceError extends Error {
  override readonly name = 'TemplateSourceError';

  constructor(
    readonly part: 'subject' | 'text' | 'html',
    readonly reason: string,
  ) {
    super(`${part}: ${reason}`);
  }
}

/**
 * Renders `<root>/<template>/<locale>/{subject,text,html}.liquid` with sandboxed LiquidJS, or the newest version of
 * that template and locale saved through the API when there is one (`overrides`). Layouts and partials always come
 * from the root. Rendering does no database I/O: `refresh()` brings the saved versions up to date.
 */
export class TemplateRenderer {
  readonly #root: string;
  readonly #text: Liquid;
  readonly #html: Liquid;
  readonly #overrides: TemplateOverrides | undefined;
  // Saved text parsed once per version, as the shipped files are cached by LiquidJS itself.
  #parsed = new Map<string, Record<Part, Template[]>>();
  #parsedGeneration = -1;

  constructor(options: { root: string; overrides?: TemplateOverrides | undefined }) {
    this.#root = options.root;
    this.#overrides = options.overrides;
    this.#text = sandboxedLiquid(options.root, {});
    // HTML escapes every output so customer-supplied names cannot inject markup.
    this.#html = sandboxedLiquid(options.root, { outputEscape: 'escape' });
  }

  /** Brings the saved versions up to date (one cheap query when nothing changed); a no-op without overrides. */
  async refresh(): Promise<void> {
    await this.#overrides?.refresh();
  }

  /** Renders a template in the best available locale; dates are shown in `timeZone`. */
  async render(
    template: string,
    locale: string,
    ctx: TemplateContext,
    timeZone: string,
  ): Promise<RenderedMessage> {
    if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone '${timeZone}'`);
    const used = localeFallbacks(locale).find((candidate) => this.has(template, candidate));
    if (!used) throw new TemplateNotFoundError(template, locale);
    const saved = this.#saved(template, used);
    const message: MessageGlobals = {
      locale: used,
      formattingLocale: formattingLocale(locale, used),
      timeZone,
      subject: '',
    };
    if (saved) {
      const parsed = this.#parse(template, used, saved.version, saved.parts);
      const run = (liquid: Liquid, part: Part, globals: MessageGlobals): Promise<string> =>
        liquid.render(parsed[part], ctx, { globals: { message: globals } }) as Promise<string>;
      return {
        ...(await compose(this.#text, this.#html, run, message)),
        locale: used,
        version: saved.version,
      };
    }
    const file = (part: Part): string => `${template}/${used}/${part}.liquid`;
    const run = (liquid: Liquid, part: Part, globals: MessageGlobals): Promise<string> =>
      liquid.renderFile(file(part), ctx, { globals: { message: globals } }) as Promise<string>;
    return { ...(await compose(this.#text, this.#html, run, message)), locale: used, version: null };
  }

  /** True when the template exists in exactly this locale (no fallback), saved or shipped. */
  has(template: string, locale: string): boolean {
    if (!TEMPLATE_NAME.test(template) || !LOCALE_NAME.test(locale)) return false;
    return this.#saved(template, locale) !== undefined || this.hasShipped(template, locale);
  }

  /** True when Recoup ships a file set for the template in exactly this locale. */
  hasShipped(template: string, locale: string): boolean {
    if (!TEMPLATE_NAME.test(template) || !LOCALE_NAME.test(locale)) return false;
    return PARTS.every((part) => existsSync(join(this.#root, template, locale, `${part}.liquid`)));
  }

  /** The text the engine sends for the template in exactly this locale (saved or shipped), or null. */
  source(template: string, locale: string): (TemplateParts & TemplateLocaleState) | null {
    const state = this.#state(template, locale);
    if (!state) return null;
    const saved = this.#saved(template, locale);
    if (saved) return { ...saved.parts, ...state };
    const read = (part: Part) => readFileSync(join(this.#root, template, locale, `${part}.liquid`), 'utf8');
    return { subject: read('subject'), text: read('text'), html: read('html'), ...state };
  }

  /** Every locale the template can be sent in, sorted, with where each one's text comes from. */
  locales(template: string): TemplateLocaleState[] {
    if (!TEMPLATE_NAME.test(template)) return [];
    const candidates = new Set<string>();
    const folder = join(this.#root, template);
    if (existsSync(folder)) {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (entry.isDirectory()) candidates.add(entry.name);
      }
    }
    for (const o of this.#overrides?.all() ?? []) if (o.name === template) candidates.add(o.locale);
    return [...candidates]
      .sort()
      .map((locale) => this.#state(template, locale))
      .filter((state): state is TemplateLocaleState => state !== null);
  }

  /**
   * Renders template text given inline instead of read from the root (a preview of an edit), with the same
   * sandbox, filters, layouts and partials as the files; `locale` is the locale the text is written in.
   */
  async renderSource(
    source: Readonly<Record<Part, string>>,
    locale: string,
    ctx: TemplateContext,
    timeZone: string,
  ): Promise<RenderedMessage> {
    if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone '${timeZone}'`);
    const message: MessageGlobals = {
      locale,
      formattingLocale: formattingLocale(locale, locale),
      timeZone,
      subject: '',
    };
    const run = async (liquid: Liquid, part: Part, globals: MessageGlobals): Promise<string> => {
      try {
        return await liquid.parseAndRender(source[part], ctx, { globals: { message: globals } });
      } catch (error) {
        throw new TemplateSourceError(part, (error as Error).message);
      }
    };
    return { ...(await compose(this.#text, this.#html, run, message)), locale, version: null };
  }

  /** Names of the templates under the root and of those saved only through the API, sorted. */
  list(): string[] {
    const names = new Set(
      readdirSync(this.#root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && TEMPLATE_NAME.test(entry.name))
        .map((entry) => entry.name),
    );
    for (const o of this.#overrides?.all() ?? [])
      if (o.parts && TEMPLATE_NAME.test(o.name)) names.add(o.name);
    return [...names].sort();
  }

  #saved(template: string, locale: string): { version: number; parts: TemplateParts } | undefined {
    const found = this.#overrides?.get(template, locale);
    return found?.parts ? { version: found.version, parts: found.parts } : undefined;
  }

  #state(template: string, locale: string): TemplateLocaleState | null {
    const saved = this.#saved(template, locale);
    const shippedFile = this.hasShipped(template, locale);
    if (saved) return { locale, state: 'edited', version: saved.version, shippedFile };
    return shippedFile ? { locale, state: 'shipped', version: null, shippedFile } : null;
  }

  #parse(template: string, locale: string, version: number, parts: TemplateParts): Record<Part, Template[]> {
    const generation = this.#overrides?.generation ?? 0;
    if (generation !== this.#parsedGeneration) {
      this.#parsed = new Map();
      this.#parsedGeneration = generation;
    }
    const cacheKey = `${template}\u0000${locale}\u0000${version}`;
    let parsed = this.#parsed.get(cacheKey);
    if (!parsed) {
      parsed = {
        subject: this.#text.parse(parts.subject),
        text: this.#text.parse(parts.text),
        html: this.#html.parse(parts.html),
      };
      this.#parsed.set(cacheKey, parsed);
    }
    return parsed;
  }
}

type RenderPart = (liquid: Liquid, part: Part, globals: MessageGlobals) => Promise<string>;

// The subject first: the HTML layout shows it in the page title.
async function compose(
  text: Liquid,
  html: Liquid,
  run: RenderPart,
  message: MessageGlobals,
): Promise<{ subject: string; text: string; html: string }> {
  const subject = oneLine(await run(text, 'subject', message));
  const body = plainText(await run(text, 'text', message));
  const page = await run(html, 'html', { ...message, subject });
  return { subject, text: body, html: page.trim() };
}

function sandboxedLiquid(root: string, extra: LiquidOptions): Liquid {
  const liquid = new Liquid({
    // Includes and layouts resolve under the root only; LiquidJS refuses any path that leaves it.
    root: [root],
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    cache: true,
    // Templates are user-editable, so bound what one render may cost.
    parseLimit: 1_000_000,
    renderLimit: 5_000,
    memoryLimit: 50_000_000,
    ...extra,
  });
  registerMessageFilters(liquid);
  return liquid;
}

function oneLine(rendered: string): string {
  return rendered.replace(/\s+/g, ' ').trim();
}

function plainText(rendered: string): string {
  // Tags on lines of their own leave blank runs behind; plain text wants single blank lines between paragraphs.
  return rendered
    .replace(/[ \t\r]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
