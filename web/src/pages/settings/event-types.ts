import type { paths } from '../../api/schema.ts';

type EventType = NonNullable<NonNullable<paths['/v1/events']['get']['parameters']['query']>['type']>;

// Suggestions only: the server checks every pattern and names a wrong one, so a new event type is never refused here.
const TYPES = [
  'case.opened',
  'case.escalated',
  'case.recovered',
  'case.exhausted',
  'case.cancelled',
  'payment.succeeded',
  'payment.failed',
  'message.sent',
  'message.failed',
] as const satisfies readonly EventType[];

/** Event types and families a subscription may name: `*` is everything, `case.*` a family. */
export const EVENT_PATTERNS: readonly string[] = ['*', 'case.*', 'payment.*', 'message.*', ...TYPES];
