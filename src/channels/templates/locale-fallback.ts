/** The locale every template set must have, the last resort of every fallback chain. */
export const BASE_LOCALE = 'en';

/** Template locales to try, most specific first: 'de-AT' → ['de-AT', 'de', 'en']. */
export function localeFallbacks(locale: string): string[] {
  const canonical = canonicalLocale(locale);
  if (!canonical) return [BASE_LOCALE];
  const subtags = canonical.split('-');
  const chain = subtags.map((_, i) => subtags.slice(0, subtags.length - i).join('-'));
  return [...new Set([...chain, BASE_LOCALE])];
}

/**
 * The locale for numbers and dates: the customer's own when the template speaks their language (de-AT keeps
 * Austrian formats in a 'de' template), otherwise the template's, so figures match the words around them.
 */
export function formattingLocale(requested: string, rendered: string): string {
  const canonical = canonicalLocale(requested);
  if (canonical && canonical.split('-')[0] === rendered.split('-')[0]) return canonical;
  return rendered;
}

/** The BCP 47 canonical form of a locale (`de-at` → `de-AT`), or null when it is not a valid tag. */
export function canonicalLocale(locale: string): string | null {
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? null;
  } catch {
    return null;
  }
}
