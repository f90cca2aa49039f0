/** A locale code with its own name, e.g. `de` → "Deutsch (de)", so people pick languages they can read. */
export function localeLabel(locale: string): string {
  try {
    const name = new Intl.DisplayNames([locale], { type: 'language' }).of(locale);
    return name && name !== locale ? `${name} (${locale})` : locale;
  } catch {
    // A code Intl does not know still deserves a label.
    return locale;
  }
}

/** The locale to open first: English when the template has it, else its first locale. */
export function defaultLocale(locales: readonly string[]): string | undefined {
  return locales.includes('en') ? 'en' : locales[0];
}
