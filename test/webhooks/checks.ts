import { expect } from 'vitest';
import type { OutboxEventRow } from '../../src/store/schema/webhooks.ts';
import type { Arrival } from './receiver.ts';

/** Fails unless each request at `path` came after every earlier event of its case was accepted there. */
export function expectOrderedPerCase(
  arrivals: readonly Arrival[],
  path: string,
  events: readonly OutboxEventRow[],
  atLeast: number,
) {
  const mine = arrivals.filter((x) => x.path === path);
  const wanted = new Set(mine.map((x) => x.eventId));
  const byId = new Map(events.map((e) => [e.id, e]));
  const byCase = new Map<string | null, OutboxEventRow[]>();
  for (const e of events) if (wanted.has(e.id)) byCase.set(e.case_id, [...(byCase.get(e.case_id) ?? []), e]);
  const acceptedAt = new Map<string, number>();
  for (const x of mine)
    if (x.answer === 'ok' && !acceptedAt.has(x.eventId)) acceptedAt.set(x.eventId, x.index);
  const violations: string[] = [];
  let checked = 0;
  for (const x of mine) {
    const event = byId.get(x.eventId)!;
    for (const earlier of byCase.get(event.case_id) ?? []) {
      if (earlier.seq >= event.seq) break;
      checked += 1;
      const at = acceptedAt.get(earlier.id);
      if (at === undefined || at > x.index)
        violations.push(
          `${event.type} #${event.seq} was sent before ${earlier.type} #${earlier.seq} arrived`,
        );
    }
  }
  expect(violations).toEqual([]);
  expect(checked).toBeGreaterThan(atLeast);
}
