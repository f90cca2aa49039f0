import { DateTime } from 'luxon';
import { UsageError } from './errors.ts';

/** Parses an ISO 8601 instant with a zone ("2026-03-01T09:00:00Z") for a flag, or says which flag is wrong. */
export function parseInstant(value: string, flag: string): number {
  const parsed = DateTime.fromISO(value, { setZone: true });
  if (!parsed.isValid || !/(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    throw new UsageError(
      `${flag}: expected an ISO 8601 instant with a zone such as 2026-03-01T09:00:00Z, got '${value}'`,
    );
  }
  return parsed.toMillis();
}

/** Parses a whole number within bounds for a flag. */
export function parseWhole(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

/** Checks a value is one of a fixed set for a flag. */
export function parseChoice<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flag}: expected one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}
