import { type TSchema, Type } from '@sinclair/typebox';

/** RFC 9457 problem document: every error the API sends. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Array(Type.Object({ field: Type.String(), reason: Type.String() })),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details; `errors` names each field at fault and why' },
);

/** An instant in UTC, as ISO 8601 with milliseconds (`2026-03-01T09:00:00.000Z`). */
export const Instant = (options: { description?: string } = {}) =>
  Type.String({ format: 'date-time', ...options });

/** An amount in integer minor units of its currency (cents, pence, yen). */
export const MinorUnits = (description = 'integer minor units of the currency') =>
  Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description });

/** An ISO 4217 currency code. */
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });

/** Cursor pagination: `limit` (1–100) and the `cursor` from the previous page's `next_cursor`. */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 25 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
};

/** A page of results, newest first, and the cursor of the next page (null on the last). */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });
}

/** Path parameters of a route on one object. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** The error answers every authenticated route can give, for OpenAPI. */
export const problemResponses = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  403: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
  409: Type.Ref('Problem'),
  422: Type.Ref('Problem'),
  429: Type.Ref('Problem'),
} as const;

/** Epoch milliseconds to the API's ISO 8601 form. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
