import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { StripeApiBase } from '../../src/gateways/stripe/api-base.ts';

// A local stand-in for Stripe's servers, speaking their wire format for what Recoup uses: form-encoded POSTs in
// bracket notation, Stripe's JSON objects, list envelopes with cursor pagination, error bodies and status codes,
// and Idempotency-Key semantics. Only Stripe's servers are faked; the official SDK talks to it unchanged.

export const FAKE_SECRET_KEY = 'sk_test_recoupfake0000000000000000';

type Json = Record<string, unknown>;

/** A customer as seeded; the server fills the rest of Stripe's customer object. */
export interface SeedCustomer {
  id?: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  preferredLocales?: string[];
  metadata?: Record<string, string>;
  address?: Record<string, string | null> | null;
  defaultPaymentMethod?: string | null;
}

/** A card saved on a customer; `behaves` names the test card whose outcome charges on it get (default: visa). */
export interface SeedPaymentMethod {
  id?: string;
  customer: string;
  brand?: string;
  last4?: string;
  expMonth?: number;
  expYear?: number;
  behaves?: string;
}

/** An invoice as seeded, amounts in minor units as Stripe has them. */
export interface SeedInvoice {
  id?: string;
  customer: string;
  number?: string;
  currency?: string;
  amountDue: number;
  amountPaid?: number;
  status?: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  collectionMethod?: 'charge_automatically' | 'send_invoice';
  dueDate?: number | null; // epoch seconds, as Stripe sends times
  attemptCount?: number;
  nextPaymentAttempt?: number | null; // epoch seconds of Stripe's own next retry
  created?: number;
}

/** One PaymentIntent confirmation the server performed: what a card network would have seen. */
export interface FakeCharge {
  readonly paymentIntent: string;
  readonly charge: string;
  readonly idempotencyKey: string | null;
  readonly paymentMethod: string;
  readonly customer: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'succeeded' | 'failed';
  readonly declineCode: string | null;
}

/** One request as the server saw it. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Json;
  readonly idempotencyKey: string | null;
  readonly replayed: boolean;
  readonly status: number | 'dropped';
}

interface Decline {
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

interface StoredResponse {
  readonly path: string;
  readonly paramsHash: string;
  readonly status: number;
  readonly body: Json;
}

class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(String(body['message']));
  }
}

/** The fake Stripe API: start it, seed it, point the SDK at `apiBase`, inspect `charges` and `requests`. */
export class FakeStripeServer {
  readonly charges: FakeCharge[] = [];
  readonly requests: FakeRequest[] = [];
  private readonly customers = new Map<string, Json>();
  private readonly paymentMethods = new Map<string, Json & { behaves: string }>();
  private readonly invoices = new Map<string, Json>();
  private readonly intents = new Map<string, Json>();
  private readonly idempotent = new Map<string, StoredResponse>();
  private readonly sockets = new Set<Socket>();
  private seq = 0;
  private drops = 0;
  private stalls = 0;
  private breaker: { remaining: number; match: (method: string, path: string) => boolean } | null = null;

  private constructor(
    private readonly server: Server,
    readonly secretKey: string,
  ) {}

  /** Starts a server on a free port of 127.0.0.1. */
  static async start(options: { secretKey?: string } = {}): Promise<FakeStripeServer> {
    const server = createServer();
    const fake = new FakeStripeServer(server, options.secretKey ?? FAKE_SECRET_KEY);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** Where the SDK should send requests. */
  get apiBase(): StripeApiBase {
    return { protocol: 'http', host: '127.0.0.1', port: (this.server.address() as AddressInfo).port };
  }

  /** The same, as a URL for RECOUP_STRIPE_API_BASE. */
  get url(): string {
    return `http://127.0.0.1:${this.apiBase.port}`;
  }

  /** Stops listening and cuts every open connection, stalled ones included. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` PaymentIntent requests are carried out, then their connection is cut before any response. */
  dropConnections(n: number): void {
    this.drops = n;
  }

  /** The next `n` requests of any kind get no answer at all until the client gives up. */
  stallResponses(n: number): void {
    this.stalls = n;
  }

  /** After `successes` more matching requests, every matching one fails with Stripe's 500 until `heal()`. */
  breakAfter(successes: number, match: (method: string, path: string) => boolean = () => true): void {
    this.breaker = { remaining: successes, match };
  }

  /** Ends the outage `breakAfter` started. */
  heal(): void {
    this.breaker = null;
  }

  /** Seeds a customer; returns Stripe's customer object. */
  addCustomer(seed: SeedCustomer = {}): Json {
    const id = seed.id ?? this.newId('cus');
    const customer: Json = {
      id,
      object: 'customer',
      address: seed.address ?? null,
      balance: 0,
      created: this.created(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      email: seed.email ?? null,
      invoice_prefix: id.slice(4, 12).toUpperCase(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: seed.defaultPaymentMethod ?? null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: seed.metadata ?? {},
      name: seed.name ?? null,
      phone: seed.phone ?? null,
      preferred_locales: seed.preferredLocales ?? [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    this.customers.set(id, customer);
    return customer;
  }

  /** Seeds a card attached to a customer; returns Stripe's payment method object. */
  addPaymentMethod(seed: SeedPaymentMethod): Json {
    if (!this.customers.has(seed.customer)) throw new Error(`seed customer ${seed.customer} first`);
    const id = seed.id ?? this.newId('pm');
    const method = {
      id,
      object: 'payment_method',
      allow_redisplay: 'unspecified',
      billing_details: { address: null, email: null, name: null, phone: null },
      card: {
        brand: seed.brand ?? 'visa',
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'US',
        display_brand: seed.brand ?? 'visa',
        exp_month: seed.expMonth ?? 12,
        exp_year: seed.expYear ?? 2099,
        fingerprint: createHash('sha256').update(id).digest('hex').slice(0, 16),
        funding: 'credit',
        last4: seed.last4 ?? '4242',
        networks: { available: [seed.brand ?? 'visa'], preferred: null },
      },
      created: this.created(),
      customer: seed.customer,
      livemode: false,
      metadata: {},
      type: 'card',
      behaves: seed.behaves ?? 'pm_card_visa',
    };
    this.paymentMethods.set(id, method);
    return method;
  }

  /** Makes a card the customer's default for invoices, as the dashboard's "Set as default" does. */
  setDefaultPaymentMethod(customer: string, paymentMethod: string): void {
    const found = this.customers.get(customer);
    if (!found) throw new Error(`no customer ${customer}`);
    (found['invoice_settings'] as Json)['default_payment_method'] = paymentMethod;
  }

  /** Detaches a card from its customer, as a customer removing it in a portal would. */
  detachPaymentMethod(id: string): void {
    const method = this.paymentMethods.get(id);
    if (!method) throw new Error(`no payment method ${id}`);
    method['customer'] = null;
  }

  /** Seeds a finalised invoice (or a draft); returns Stripe's invoice object. */
  addInvoice(seed: SeedInvoice): Json {
    if (!this.customers.has(seed.customer)) throw new Error(`seed customer ${seed.customer} first`);
    const id = seed.id ?? this.newId('in');
    const created = seed.created ?? this.created();
    const invoice: Json = {
      id,
      object: 'invoice',
      attempt_count: seed.attemptCount ?? 0,
      attempted: (seed.attemptCount ?? 0) > 0,
      collection_method: seed.collectionMethod ?? 'charge_automatically',
      created,
      currency: (seed.currency ?? 'usd').toLowerCase(),
      customer: seed.customer,
      due_date: seed.dueDate ?? null,
      livemode: false,
      metadata: {},
      next_payment_attempt: seed.nextPaymentAttempt ?? null,
      number: seed.number ?? `${id.slice(3, 11).toUpperCase()}-0001`,
      status_transitions: {
        finalized_at: created,
        marked_uncollectible_at: null,
        paid_at: null,
        voided_at: null,
      },
    };
    this.invoices.set(id, invoice);
    this.updateInvoice(id, {
      amountDue: seed.amountDue,
      amountPaid: seed.amountPaid ?? 0,
      status: seed.status ?? 'open',
    });
    return invoice;
  }

  /** Changes an invoice as Stripe would after a payment, a void or a write-off elsewhere. */
  updateInvoice(
    id: string,
    change: { amountDue?: number; amountPaid?: number; status?: SeedInvoice['status'] },
  ): void {
    const invoice = this.invoices.get(id);
    if (!invoice) throw new Error(`no invoice ${id}`);
    const amountDue = change.amountDue ?? (invoice['amount_due'] as number);
    const amountPaid = change.amountPaid ?? (invoice['amount_paid'] as number);
    Object.assign(invoice, {
      amount_due: amountDue,
      amount_paid: amountPaid,
      amount_remaining: amountDue - amountPaid,
      subtotal: amountDue,
      total: amountDue,
      status: change.status ?? invoice['status'],
      paid: (change.status ?? invoice['status']) === 'paid',
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const key = header(req, 'idempotency-key');
    const log = (status: number | 'dropped', replayed = false) =>
      this.requests.push({
        method,
        path: url.pathname,
        query: decodeForm(url.searchParams),
        idempotencyKey: key,
        replayed,
        status,
      });
    if (this.stalls > 0) {
      this.stalls--;
      log('dropped');
      return; // the client's timeout ends it; stop() cuts the socket
    }
    try {
      this.authenticate(req);
      if (this.breaker?.match(method, url.pathname)) {
        if (this.breaker.remaining <= 0) {
          throw new StripeHttpError(500, {
            type: 'api_error',
            message: 'Sorry, something went wrong. We have already been notified of the problem.',
          });
        }
        this.breaker.remaining--;
      }
      const params = method === 'POST' ? decodeForm(new URLSearchParams(body)) : decodeForm(url.searchParams);
      if (method === 'POST' && url.pathname === '/v1/payment_intents') {
        this.createPaymentIntent(params, key, res, log);
        return;
      }
      const found = this.route(method, url.pathname, params);
      log(200);
      send(res, 200, found);
    } catch (error) {
      // A bug in the fake must fail the test that hit it, not hang it.
      const failure =
        error instanceof StripeHttpError
          ? error
          : new StripeHttpError(500, {
              type: 'api_error',
              message: `fake Stripe: ${(error as Error).stack}`,
            });
      log(failure.status);
      send(res, failure.status, { error: failure.body });
    }
  }

  private authenticate(req: IncomingMessage): void {
    const auth = header(req, 'authorization') ?? '';
    const given = auth.replace(/^Bearer /, '');
    if (given !== this.secretKey) {
      throw new StripeHttpError(401, {
        type: 'invalid_request_error',
        message: `Invalid API Key provided: ${given.slice(0, 8)}${'*'.repeat(Math.max(0, given.length - 12))}${given.slice(-4)}`,
      });
    }
  }

  private route(method: string, path: string, params: Json): Json {
    if (method !== 'GET') throw notFound(`Unrecognized request URL (${method}: ${path}).`);
    if (path === '/v1/customers') return this.list(path, [...this.customers.values()], params);
    const methods = /^\/v1\/customers\/([^/]+)\/payment_methods$/.exec(path);
    if (methods) return this.listPaymentMethods(path, decodeURIComponent(methods[1]!), params);
    if (path === '/v1/payment_methods') {
      if (typeof params['customer'] !== 'string') throw missingParam('customer');
      return this.listPaymentMethods(path, params['customer'], params);
    }
    if (path === '/v1/invoices') {
      const invoices = [...this.invoices.values()].filter(
        (i) =>
          (params['status'] === undefined || i['status'] === params['status']) &&
          (params['customer'] === undefined || i['customer'] === params['customer']),
      );
      return this.list(path, invoices, params);
    }
    const invoice = /^\/v1\/invoices\/([^/]+)$/.exec(path);
    if (invoice) {
      const found = this.invoices.get(decodeURIComponent(invoice[1]!));
      if (!found) throw noSuch('invoice', decodeURIComponent(invoice[1]!), 'id', 404);
      return found;
    }
    throw notFound(`Unrecognized request URL (${method}: ${path}).`);
  }

  private listPaymentMethods(path: string, customer: string, params: Json): Json {
    if (!this.customers.has(customer)) throw noSuch('customer', customer, 'customer', 404);
    const methods = [...this.paymentMethods.values()]
      .filter(
        (m) => m['customer'] === customer && (params['type'] === undefined || m['type'] === params['type']),
      )
      .map(({ behaves: _, ...m }) => m);
    return this.list(path, methods, params);
  }

  // Newest first, as Stripe lists; `starting_after` continues after the named object.
  private list(path: string, all: Json[], params: Json): Json {
    const limit = params['limit'] === undefined ? 10 : Number(params['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'parameter_invalid_integer',
        param: 'limit',
        message: 'This value must be between 1 and 100 (it currently is ' + String(params['limit']) + ').',
      });
    }
    const ordered = [...all].reverse();
    let start = 0;
    const after = params['starting_after'];
    if (typeof after === 'string') {
      const at = ordered.findIndex((o) => o['id'] === after);
      if (at === -1) throw noSuch(String(ordered[0]?.['object'] ?? 'object'), after, 'starting_after');
      start = at + 1;
    }
    const data = ordered.slice(start, start + limit);
    return { object: 'list', data, has_more: start + limit < ordered.length, url: path };
  }

  private createPaymentIntent(
    params: Json,
    key: string | null,
    res: ServerResponse,
    log: (status: number | 'dropped', replayed?: boolean) => void,
  ): void {
    const path = '/v1/payment_intents';
    const paramsHash = createHash('sha256').update(canonical(params)).digest('hex');
    const stored = key === null ? undefined : this.idempotent.get(key);
    let status: number;
    let body: Json;
    let replayed = false;
    if (stored) {
      if (stored.path !== path || stored.paramsHash !== paramsHash) {
        throw new StripeHttpError(400, {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
            `Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      ({ status, body } = stored);
      replayed = true;
    } else {
      // Validation errors are not stored under the key, as on Stripe: nothing began executing.
      ({ status, body } = this.confirm(params, key));
      if (key !== null) this.idempotent.set(key, { path, paramsHash, status, body });
    }
    if (this.drops > 0) {
      this.drops--;
      log('dropped', replayed);
      res.socket?.destroy();
      return;
    }
    log(status, replayed);
    send(res, status, body, {
      ...(key === null ? {} : { 'Idempotency-Key': key }),
      ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
    });
  }

  private confirm(params: Json, key: string | null): { status: number; body: Json } {
    const amount = Number(params['amount']);
    if (params['amount'] === undefined) throw missingParam('amount');
    if (!Number.isInteger(amount) || amount < 1) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'parameter_invalid_integer',
        param: 'amount',
        message: 'This value must be greater than or equal to 1.',
      });
    }
    if (typeof params['currency'] !== 'string' || !/^[a-z]{3}$/.test(params['currency'])) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'parameter_invalid_string',
        param: 'currency',
        message: `Invalid currency: ${String(params['currency'])}.`,
      });
    }
    const pm = params['payment_method'];
    if (typeof pm !== 'string') throw missingParam('payment_method');
    const customer = typeof params['customer'] === 'string' ? params['customer'] : null;
    if (customer !== null && !this.customers.has(customer)) throw noSuch('customer', customer, 'customer');
    const saved = this.paymentMethods.get(pm);
    if (!saved && !Object.hasOwn(TEST_CARDS, pm)) throw noSuch('PaymentMethod', pm, 'payment_method');
    if (saved && saved['customer'] !== customer) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'payment_method_invalid_parameter',
        param: 'payment_method',
        message:
          'The provided PaymentMethod belongs to a different Customer than the one on this PaymentIntent.',
      });
    }
    if (params['confirm'] !== 'true' || params['off_session'] !== 'true') {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        message: 'This fake only confirms off-session PaymentIntents (confirm=true, off_session=true).',
      });
    }
    const behaves = saved?.behaves ?? pm;
    if (!Object.hasOwn(TEST_CARDS, behaves)) throw new Error(`no test card behaviour '${behaves}'`);
    const decline = TEST_CARDS[behaves] ?? null;
    const id = this.newId('pi');
    const charge = this.newId('ch');
    const intent: Json = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: decline ? 0 : amount,
      automatic_payment_methods: params['automatic_payment_methods'] ?? null,
      canceled_at: null,
      capture_method: 'automatic_async',
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      confirmation_method: 'automatic',
      created: Math.floor(Date.now() / 1000),
      currency: params['currency'],
      customer,
      description: params['description'] ?? null,
      last_payment_error: null,
      latest_charge: charge,
      livemode: false,
      metadata: params['metadata'] ?? {},
      next_action: null,
      payment_method: pm,
      payment_method_types: ['card'],
      status: decline ? 'requires_payment_method' : 'succeeded',
    };
    this.charges.push({
      paymentIntent: id,
      charge,
      idempotencyKey: key,
      paymentMethod: pm,
      customer,
      amount,
      currency: String(params['currency']),
      status: decline ? 'failed' : 'succeeded',
      declineCode: decline ? (decline.decline_code ?? decline.code) : null,
    });
    this.intents.set(id, intent);
    if (!decline) return { status: 200, body: intent };
    const error: Json = {
      type: 'card_error',
      charge,
      ...decline,
      doc_url: `https://stripe.com/docs/error-codes/${decline.code.replaceAll('_', '-')}`,
      request_log_url: `https://dashboard.stripe.com/test/logs/${this.newId('req')}`,
      payment_method: saved
        ? { ...saved, behaves: undefined }
        : { id: pm, object: 'payment_method', type: 'card' },
    };
    intent['last_payment_error'] = { ...error };
    return { status: 402, body: { error: { ...error, payment_intent: intent } } };
  }

  private newId(prefix: string): string {
    this.seq++;
    return `${prefix}_${randomBytes(7).toString('hex')}${this.seq.toString(36).padStart(4, '0')}`;
  }

  // Strictly increasing seconds, so list order (newest first) follows the order of seeding.
  private created(): number {
    return 1_772_000_000 + this.seq++;
  }
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
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
        node[part] = value;
        return;
      }
      const next = path[i + 1]!;
      node[part] ??= /^\d*$/.test(next) ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return out;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Json).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function notFound(message: string): StripeHttpError {
  return new StripeHttpError(404, { type: 'invalid_request_error', message });
}

// Stripe answers 404 for a missing object in the URL and 400 for one named by a parameter.
function noSuch(object: string, id: string, param: string, status = 400): StripeHttpError {
  return new StripeHttpError(status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    param,
    message: `No such ${object}: '${id}'`,
  });
}

function missingParam(param: string): StripeHttpError {
  return new StripeHttpError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    param,
    message: `Missing required param: ${param}.`,
  });
}
