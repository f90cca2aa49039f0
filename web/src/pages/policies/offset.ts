import { ANCHOR_LABELS, type PolicyAnchor } from './types.ts';

// The subset of ISO 8601 durations the engine accepts for offsets, enough to say them in words; anything this
// does not read is left to the server, which has the final say on validity.
const ISO =
  /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNITS = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const;

/** "P3DT12H" → "3 days 12 hours after the first failed payment"; null when the text is not a duration. */
export function describeOffset(iso: string, anchor: PolicyAnchor): string | null {
  const match = ISO.exec(iso.trim());
  if (!match || iso.trim() === 'P' || iso.trim().endsWith('T')) return null;
  const parts = UNITS.flatMap((unit, i) => {
    const n = Number(match[i + 2] ?? 0);
    return n === 0 ? [] : [`${n} ${unit}${n === 1 ? '' : 's'}`];
  });
  const what = ANCHOR_LABELS[anchor];
  if (parts.length === 0) return `at ${what}`;
  return `${parts.join(' ')} ${match[1] ? 'before' : 'after'} ${what}`;
}
