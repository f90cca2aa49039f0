/** The segment every case without one is counted under. */
export const NO_SEGMENT = 'none';

/**
 * The segment a case is counted under: the customer's `attributes.segment` when it is a non-empty string, else
 * `none`. Migration 008 applies the same rule in SQL to cases opened before the column existed.
 */
export function caseSegment(attributes: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(attributes);
  } catch {
    return NO_SEGMENT;
  }
  if (typeof parsed !== 'object' || parsed === null) return NO_SEGMENT;
  const segment = (parsed as Record<string, unknown>)['segment'];
  return typeof segment === 'string' && segment !== '' ? segment : NO_SEGMENT;
}
