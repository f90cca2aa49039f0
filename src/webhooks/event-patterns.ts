import { EVENT_TYPES } from './events.ts';

/**
 * Whether a subscription's patterns select an event type: `*` selects everything, `case.*` every type under
 * `case.`, anything else the type of that name.
 */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  for (const p of patterns) {
    if (p === '*' || p === type) return true;
    if (p.endsWith('.*') && type.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

/** The problem with a list of patterns, or null: each must name a catalogue type, a `prefix.*` of one, or `*`. */
export function eventPatternProblem(patterns: readonly string[]): string | null {
  if (patterns.length === 0) return 'expected at least one event type, or * for every type';
  for (const p of patterns) {
    const known = p === '*' || EVENT_TYPES.some((t) => matchesEventType([p], t));
    if (!known) return `unknown event type '${p}'; expected * or one of ${EVENT_TYPES.join(', ')}`;
  }
  return null;
}

/** Parses the stored JSON array of a subscription's patterns. */
export function parsePatterns(json: string): string[] {
  return JSON.parse(json) as string[];
}
