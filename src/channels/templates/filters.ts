import type { Liquid } from 'liquidjs';
import { formatMoney } from '../../domain/money.ts';

/** What the renderer tells filters about the message being rendered (passed as the `message` global). */
export interface MessageGlobals {
  locale: string;
  formattingLocale: string;
  timeZone: string;
  subject: string;
}

type DateStyle = 'full' | 'long' | 'medium' | 'short';
const dateStyles: ReadonlySet<string> = new Set(['full', 'long', 'medium', 'short']);

/** Registers `money` ({amount, currency} → "1.234,56 €") and `localdate` (epoch ms → date in the customer's zone). */
export function registerMessageFilters(liquid: Liquid): void {
  liquid.registerFilter('money', function (value: unknown, currency?: unknown) {
    const locale = globalsOf(this.context.globals).formattingLocale;
    if (typeof value === 'number' && typeof currency === 'string')
      return formatMoney(value, currency, locale);
    if (!isMoney(value)) return '';
    return formatMoney(value.amount, value.currency, locale);
  });
  liquid.registerFilter('localdate', function (value: unknown, style?: unknown) {
    // Missing data renders empty, like any undefined variable, rather than failing the whole message.
    if (typeof value !== 'number' || !Number.isFinite(value)) return '';
    const dateStyle: DateStyle =
      typeof style === 'string' && dateStyles.has(style) ? (style as DateStyle) : 'long';
    const { formattingLocale, timeZone } = globalsOf(this.context.globals);
    return new Intl.DateTimeFormat(formattingLocale, { dateStyle, timeZone }).format(value);
  });
}

function globalsOf(globals: object): MessageGlobals {
  return (globals as { message: MessageGlobals }).message;
}

function isMoney(value: unknown): value is { amount: number; currency: string } {
  if (typeof value !== 'object' || value === null) return false;
  const { amount, currency } = value as Record<string, unknown>;
  return typeof amount === 'number' && typeof currency === 'string';
}
