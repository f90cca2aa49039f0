import { DateTime, Duration } from 'luxon';

/** An ISO 8601 duration with an optional leading minus ("-P3D" = three days before the anchor). */
export interface Offset {
  readonly iso: string;
  readonly negative: boolean;
  readonly duration: Duration;
}

/** Parses "P3D", "PT12H", "-P3D"; returns null when the text is not an ISO 8601 duration. */
export function parseOffset(text: string): Offset | null {
  const negative = text.startsWith('-');
  const duration = Duration.fromISO(negative ? text.slice(1) : text);
  if (!duration.isValid) return null;
  return { iso: text, negative, duration };
}

/** The instant `offset` away from `anchorMs` (epoch ms), calendar-aware in UTC. */
export function applyOffset(anchorMs: number, offset: Offset): number {
  const base = DateTime.fromMillis(anchorMs, { zone: 'utc' });
  return (offset.negative ? base.minus(offset.duration) : base.plus(offset.duration)).toMillis();
}
