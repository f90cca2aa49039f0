import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// Stripe's wire format as the fake Stripe server (stripe-server.ts) speaks it: bracket-notation forms, JSON bodies
// with Stripe's headers, error bodies and status codes, and the test cards' declines.

export type Json = Record<string, unknown>;

/** A decline as Stripe reports it in a card error. */
export interface Decline {
  readonly code: string;
  readonly decline_code?: string;
  readonly message: string;
  readonly network_decline_code?: string;
  readonly network_advice_code?: string;
}

// Stripe's test payment methods (docs.stripe.com/testing), plus two with the network codes Stripe's own test
// cards do not produce. A null entry succeeds.
export const TEST_CARDS: Readonly<Record<string, Decline | null>> = {
  pm_card_visa: null,
  pm_card_mastercard: null,
  pm_card_chargeDeclined: {
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  pm_card_chargeDeclinedLostCard: {
    code: 'card_declined',
    decline_code: 'lost_card',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedStolenCard: {
    code: 'card_declined',
    decline_code: 'stolen_card',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', message: 'Your card has expired.' },
  pm_card_chargeDeclinedProcessingError: {
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
  pm_card_authenticationRequired: {
    code: 'authentication_required',
    decline_code: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
  },
  pm_card_mastercard_adviceCode03: {
    code: 'card_declined',
    decline_code: 'do_not_honor',
    message: 'Your card was declined.',
    network_decline_code: '05',
    network_advice_code: '03',
  },
  pm_card_visa_networkDecline04: {
    code: 'card_declined',
    decline_code: 'do_not_honor',
    message: 'Your card was declined.',
    network_decline_code: '04',
  },
};

/** An error answer: its HTTP status and Stripe's `error` object. */
export class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(String(body['message']));
  }
}

/** A header's value, when it was sent once. */
export function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

/** The request's body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Answers with Stripe's JSON and headers. */
export function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Request-Id': `req_${randomBytes(7).toString('hex')}`,
    'Stripe-Version': '2026-10-28.endive',
    ...headers,
  });
  res.end(text);
}

/** Decodes Stripe's bracket notation (`metadata[key]=v`, `expand[0]=x`) into nested objects and arrays. */
export function decodeForm(params: URLSearchParams): Json {
  const out: Json = {};
  for (const [name, value] of params) {
    const path = name.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        if (Array.isArray(node) && part === '') (node as unknown[]).push(value);
        else node[part] = value;
        return;
      }
      const next = path[i + 1]!;
      node[part] ??= /^\d*$/.test(next) ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return out;
}

/** A canonical text of parameters: what an idempotency key's first request is compared by. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Json).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Stripe's 404 for a URL it does not serve. */
export function notFound(message: string): StripeHttpError {
  return new StripeHttpError(404, { type: 'invalid_request_error', message });
}

/** Stripe answers 404 for a missing object in the URL and 400 for one named by a parameter. */
export function noSuch(object: string, id: string, param: string, status = 400): StripeHttpError {
  return new StripeHttpError(status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    param,
    message: `No such ${object}: '${id}'`,
  });
}

/** A required parameter left out. */
export function missingParam(param: string): StripeHttpError {
  return new StripeHttpError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    param,
    message: `Missing required param: ${param}.`,
  });
}

/** A parameter Stripe refuses, with its message. */
export function invalidParam(
  param: string,
  message: string,
  code = 'parameter_invalid_string',
): StripeHttpError {
  return new StripeHttpError(400, { type: 'invalid_request_error', code, param, message });
}

/** The expansions a request asked for (`expand[]=a&expand[]=b`), checked against those the endpoint allows. */
export function expansions(params: Json, allowed: readonly string[]): Set<string> {
  const asked = params['expand'] === undefined ? [] : ([] as unknown[]).concat(params['expand']);
  for (const field of asked) {
    if (typeof field !== 'string' || !allowed.includes(field))
      throw invalidParam(
        'expand',
        `This property cannot be expanded (${String(field)}).`,
        'parameter_unknown',
      );
  }
  return new Set(asked as string[]);
}

/** Whether a `created` of epoch seconds passes a list's `created` filter (a number or gt/gte/lt/lte). */
export function createdMatches(created: number, filter: unknown): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return created === Number(filter);
  const range = filter as Record<string, string>;
  const bound = (name: string) => (range[name] === undefined ? null : Number(range[name]));
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  return (
    (gt === null || created > gt) &&
    (gte === null || created >= gte) &&
    (lt === null || created < lt) &&
    (lte === null || created <= lte)
  );
}
