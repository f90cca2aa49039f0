import { describe, expect, it } from 'vitest';
import { MAX_PERIOD_MS, resolvePeriod, utcDate } from '../../src/analytics/period.ts';
import { NO_SEGMENT, caseSegment } from '../../src/analytics/segment.ts';
import { RETRY_CONTACT, stepContacts } from '../../src/analytics/step-contacts.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 1, 9);

describe('the period of a request', () => {
  it('defaults to the 30 days ending now, and to 30 days before a given end', () => {
    expect(resolvePeriod({}, NOW)).toEqual({ ok: true, period: { from: NOW - 30 * DAY, to: NOW } });
    const to = Date.UTC(2025, 11, 31);
    expect(resolvePeriod({ to }, NOW)).toEqual({ ok: true, period: { from: to - 30 * DAY, to } });
    const from = Date.UTC(2026, 1, 1);
    expect(resolvePeriod({ from }, NOW)).toEqual({ ok: true, period: { from, to: NOW } });
  });

  it('refuses a start that is not before the end, naming from', () => {
    expect(resolvePeriod({ from: NOW, to: NOW }, NOW)).toEqual({
      ok: false,
      error: { field: 'from', reason: 'must be before to' },
    });
    expect(resolvePeriod({ from: NOW + DAY }, NOW)).toMatchObject({ ok: false, error: { field: 'from' } });
  });

  it('allows three years and refuses more', () => {
    expect(resolvePeriod({ from: NOW - MAX_PERIOD_MS, to: NOW }, NOW).ok).toBe(true);
    expect(resolvePeriod({ from: NOW - MAX_PERIOD_MS - 1, to: NOW }, NOW)).toEqual({
      ok: false,
      error: { field: 'from', reason: 'the period may span at most 3 years' },
    });
  });

  it('names UTC calendar days', () => {
    expect(utcDate(Date.UTC(2026, 1, 28, 23, 59, 59, 999))).toBe('2026-02-28');
    expect(utcDate(Date.UTC(2026, 2, 1))).toBe('2026-03-01');
  });
});

describe('the segment of a case', () => {
  it("is the customer's attributes.segment when it is a non-empty string", () => {
    expect(caseSegment('{"segment":"enterprise","plan":"pro"}')).toBe('enterprise');
  });

  it('is none otherwise', () => {
    for (const attributes of [
      '{}',
      '{"segment":""}',
      '{"segment":3}',
      '{"segment":null}',
      '[]',
      'not json',
    ]) {
      expect(caseSegment(attributes), attributes).toBe(NO_SEGMENT);
    }
  });
});

describe('what a policy step sends', () => {
  it('names the channel and template of reminders, and retry for retries', () => {
    const contacts = stepContacts(
      JSON.stringify({
        name: 'p',
        anchor: 'due_date',
        steps: [
          { id: 'r1', offset: 'P1D', action: 'retry' },
          { id: 'm1', offset: 'P2D', action: 'remind', channel: 'email', template: 'invoice-due' },
          { id: 'w1', offset: 'P3D', action: 'webhook', url: 'https://example.com/hook' },
        ],
      }),
    );
    expect(contacts.get('r1')).toEqual(RETRY_CONTACT);
    expect(contacts.get('m1')).toEqual({ channel: 'email', template: 'invoice-due' });
    expect(contacts.get('w1')).toEqual({ channel: 'webhook', template: 'webhook' });
    expect(contacts.has('nope')).toBe(false);
  });
});
