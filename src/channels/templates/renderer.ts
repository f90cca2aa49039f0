import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid, type LiquidOptions } from 'liquidjs';
import { isValidTimeZone } from '../../domain/contact-hours.ts';
import { type MessageGlobals, registerMessageFilters } from './filters.ts';
import { formattingLocale, localeFallbacks } from './locale-fallback.ts';

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

/** A rendered message; `locale` is the template locale actually used after fallback. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  locale: string;
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

/** Renders `<root>/<template>/<locale>/{subject,text,html}.liquid` with sandboxed LiquidJS. */
export class TemplateRenderer {
  readonly #root: string;
  readonly #text: Liquid;
  readonly #html: Liquid;

  constructor(options: { root: string }) {
    this.#root = options.root;
    this.#text = sandboxedLiquid(options.root, {});
    // HTML escapes every output so customer-supplied names cannot inject markup.
    this.#html = sandboxedLiquid(options.root, { outputEscape: 'escape' });
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
    const file = (part: Part): string => `${template}/${used}/${part}.liquid`;
    const message: MessageGlobals = {
      locale: used,
      formattingLocale: formattingLocale(locale, used),
      timeZone,
      subject: '',
    };
    const subject = oneLine(await this.#text.renderFile(file('subject'), ctx, { globals: { message } }));
    const text = plainText(await this.#text.renderFile(file('text'), ctx, { globals: { message } }));
    const html = await this.#html.renderFile(file('html'), ctx, {
      globals: { message: { ...message, subject } },
    });
    return { subject, text, html: html.trim(), locale: used };
  }

  /** True when the template exists in exactly this locale (no fallback). */
  has(template: string, locale: string): boolean {
    if (!TEMPLATE_NAME.test(template) || !LOCALE_NAME.test(locale)) return false;
    return PARTS.every((part) => existsSync(join(this.#root, template, locale, `${part}.liquid`)));
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
    const subject = oneLine(await run(this.#text, 'subject', message));
    const text = plainText(await run(this.#text, 'text', message));
    const html = await run(this.#html, 'html', { ...message, subject });
    return { subject, text, html: html.trim(), locale };
  }

  /** Names of the templates under the root, sorted. */
  list(): string[] {
    return readdirSync(this.#root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && TEMPLATE_NAME.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  }
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
