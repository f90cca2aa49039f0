/** An ISO instant as a short date and time in the viewer's zone. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** An ISO instant as a date in the viewer's zone. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(iso));
}

/** Whole days between two instants (ms), rounded down. */
export function daysBetween(from: number, to: number): number {
  return Math.floor((to - from) / 86_400_000);
}
