import { formatMoney } from '../domain/money.ts';

/** An instant as people read it in a terminal: "2026-03-01 09:00Z". */
export function formatInstant(ms: number | null): string {
  if (ms === null) return '-';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d{2}\.\d{3}Z$/, 'Z');
}

/** Money in English for terminal tables. */
export function money(amount: number, currency: string): string {
  return formatMoney(amount, currency, 'en-US');
}

/** A plain text table with left-aligned columns. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
