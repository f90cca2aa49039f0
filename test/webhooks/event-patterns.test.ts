import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { eventBody } from '../../src/webhooks/deliver.ts';
import { eventPatternProblem, matchesEventType } from '../../src/webhooks/event-patterns.ts';
import { EVENT_TYPES, WebhookEventSchema } from '../../src/webhooks/events.ts';

describe('webhook event types', () => {
  it('selects by exact type, by family (case.*) and everything (*)', () => {
    expect(matchesEventType(['case.opened'], 'case.opened')).toBe(true);
    expect(matchesEventType(['case.opened'], 'case.recovered')).toBe(false);
    expect(matchesEventType(['case.*'], 'case.recovered')).toBe(true);
    expect(matchesEventType(['case.*'], 'payment.failed')).toBe(false);
    expect(matchesEventType(['payment.*', 'message.sent'], 'message.sent')).toBe(true);
    expect(EVENT_TYPES.every((t) => matchesEventType(['*'], t))).toBe(true);
  });

  it('accepts only patterns that select something in the catalogue', () => {
    expect(eventPatternProblem(['*'])).toBeNull();
    expect(eventPatternProblem(['case.*', 'payment.succeeded'])).toBeNull();
    expect(eventPatternProblem([])).toMatch(/at least one/);
    expect(eventPatternProblem(['case.open'])).toMatch(/unknown event type 'case.open'/);
    expect(eventPatternProblem(['invoice.*'])).toMatch(/unknown/);
  });

  it('builds a body that is valid JSON of the catalogue shape, the stored payload spliced in verbatim', () => {
    const payload = '{"queue":"collections","step_id":"escalate-45"}';
    const body = eventBody({
      seq: 42,
      id: 'evt_1',
      type: 'case.escalated',
      case_id: 'case_1',
      customer_id: 'cus_1',
      payload,
      created_at: 1_772_452_800_000,
      fanned_out: 1,
    });
    const parsed = JSON.parse(body);
    expect(parsed).toEqual({
      id: 'evt_1',
      type: 'case.escalated',
      sequence: 42,
      created_at: 1_772_452_800_000,
      case_id: 'case_1',
      customer_id: 'cus_1',
      data: { queue: 'collections', step_id: 'escalate-45' },
    });
    expect(Value.Check(WebhookEventSchema, parsed)).toBe(true);
    expect(Value.Check(WebhookEventSchema, { ...parsed, data: { queue: 'collections' } })).toBe(false);
    expect(Value.Check(WebhookEventSchema, { ...parsed, type: 'case.opened' })).toBe(false);
  });
});
