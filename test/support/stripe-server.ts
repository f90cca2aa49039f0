import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { StripeApiBase } from '../../src/gateways/stripe/api-base.ts';
import {
  type Json,
  StripeHttpError,
  TEST_CARDS,
  canonical,
  createdMatches,
  decodeForm,
  expansions,
  header,
  invalidParam,
  missingParam,
  noSuch,
  notFound,
  readBody,
  send,
} from './stripe-wire.ts';

export { TEST_CARDS, decodeForm };

// A local stand-in for Stripe's servers, speaking their wire format for what Recoup uses: form-encoded POSTs in
// bracket notation, Stripe's JSON objects, list envelopes with cursor pagination and `created` filters, expansions,
// error bodies and status codes, Idempotency-Key semantics, invoices paid through `invoices/{id}/pay` and Stripe's
// own automatic attempts on them, and test clocks. Only Stripe's servers are faked; the official SDK talks to it
// unchanged. Invoices have the shape of API versions before 2025-03-31 (`payment_intent` and `charge` on the
// invoice), which accounts pinned to them still receive.

export const FAKE_SECRET_KEY = 'sk_test_recoupfake0000000000000000';

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
  /** The test clock the customer belongs to (`clock_…`), as customers made under a test clock do. */
  testClock?: string | null;
}

/**
 * A card saved on a customer; `behaves` names the test card whose outcome charges on it get (default: visa), or
 * `<test card>@until:<epoch s>` for a card that behaves so until the server's time reaches that instant and
 * succeeds from then on (funds arrive on payday, a processor's outage ends).
 */
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

/** One charge the server made on a card: what a card network would have seen. */
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
  readonly networkDeclineCode: string | null;
  readonly networkAdviceCode: string | null;
  /** The invoice it paid or tried to pay, if any. */
  readonly invoice: string | null;
  /** Stripe's own automatic attempt on an invoice, or a charge an API request asked for. */
  readonly by: 'stripe' | 'api';
  /** The server's time when it charged, epoch seconds. */
  readonly created: number;
}

/** One request as the server saw it. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Json;
  readonly idempotencyKey: string | null;
  readonly replayed: boolean;
  readonly status: number | 'dropped' | 'held';
}

interface StoredResponse {
  readonly path: string;
  readonly paramsHash: string;
  readonly status: number;
  readonly body: Json;
}

type Answer = { status: number; body: Json };

// The requests that charge a card: the ones connection drops and holds apply to.
const CHARGING = [/^\/v1\/payment_intents$/, /^\/v1\/invoices\/[^/]+\/pay$/];

/** The fake Stripe API: start it, seed it, point the SDK at `apiBase`, inspect `charges` and `requests`. */
export class FakeStripeServer {
  readonly charges: FakeCharge[] = [];
  readonly requests: FakeRequest[] = [];
  private readonly customers = new Map<string, Json>();
  private readonly paymentMethods = new Map<string, Json & { behaves: string }>();
  private readonly invoices = new Map<string, Json>();
  private readonly intents = new Map<string, Json>();
  private readonly clocks = new Map<string, Json>();
  private readonly idempotent = new Map<string, StoredResponse>();
  private readonly unexpandable = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private seq = 0;
  private time = 1_772_000_000;
  private lastCreated = 0;
  private drops = 0;
  private stalls = 0;
  private holds: { remaining: number; onHeld: () => void } | null = null;
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

  /** The server's time, epoch seconds: objects made now are `created` at it (or just after the last one). */
  get now(): number {
    return this.time;
  }

  /** Moves the server's time forward, as time passes for Stripe; it never goes back. */
  setTime(seconds: number): void {
    this.time = Math.max(this.time, Math.floor(seconds));
  }

  /** Stops listening and cuts every open connection, stalled ones included. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` charging requests are carried out, then their connection is cut before any response. */
  dropConnections(n: number): void {
    this.drops = n;
  }

  /**
   * The next `n` charging requests are carried out and their answer stored under their key, but nothing is sent
   * back until the client goes away: a client killed meanwhile never learns the outcome. `onHeld` runs at each.
   */
  holdCharges(n: number, onHeld: () => void = () => undefined): void {
    this.holds = { remaining: n, onHeld };
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

  /** Refuses these expansions (`data.payment_intent`…), as an account on a newer API version does. */
  refuseExpansions(...fields: string[]): void {
    for (const field of fields) this.unexpandable.add(field);
  }

  /** Creates a test clock frozen at `frozenTime` (epoch seconds), as `POST /v1/test_helpers/test_clocks` does. */
  addTestClock(frozenTime: number, name: string | null = null): Json {
    const id = this.newId('clock');
    const clock: Json = {
      id,
      object: 'test_helpers.test_clock',
      created: this.created(),
      deletes_after: frozenTime + 30 * 86_400,
      frozen_time: frozenTime,
      livemode: false,
      name,
      status: 'ready',
      status_details: {},
    };
    this.clocks.set(id, clock);
    return clock;
  }

  /** Moves a test clock forward, as the dashboard's "Advance time" does; it never goes back. */
  advanceTestClock(id: string, frozenTime: number): Json {
    const clock = this.clocks.get(id);
    if (!clock) throw new Error(`no test clock ${id}`);
    if (!(frozenTime > (clock['frozen_time'] as number))) {
      throw invalidParam(
        'frozen_time',
        'The frozen_time must be after the current frozen_time of the test clock.',
        'parameter_invalid_integer',
      );
    }
    clock['frozen_time'] = frozenTime;
    return clock;
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
      test_clock: seed.testClock ?? null,
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
    const customer = this.customers.get(seed.customer)!;
    const invoice: Json = {
      id,
      object: 'invoice',
      attempt_count: seed.attemptCount ?? 0,
      attempted: (seed.attemptCount ?? 0) > 0,
      charge: null,
      collection_method: seed.collectionMethod ?? 'charge_automatically',
      created,
      currency: (seed.currency ?? 'usd').toLowerCase(),
      customer: seed.customer,
      customer_email: customer['email'],
      customer_name: customer['name'],
      customer_phone: customer['phone'],
      default_payment_method: null,
      due_date: seed.dueDate ?? null,
      livemode: false,
      metadata: {},
      next_payment_attempt: seed.nextPaymentAttempt ?? null,
      number: seed.number ?? `${id.slice(3, 11).toUpperCase()}-0001`,
      payment_intent: null,
      status_transitions: {
        finalized_at: created,
        marked_uncollectible_at: null,
        paid_at: null,
        voided_at: null,
      },
      test_clock: customer['test_clock'],
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
    const status = change.status ?? invoice['status'];
    const amountPaid =
      change.amountPaid ?? (status === 'paid' ? amountDue : (invoice['amount_paid'] as number));
    Object.assign(invoice, {
      amount_due: amountDue,
      amount_paid: amountPaid,
      amount_remaining: amountDue - amountPaid,
      subtotal: amountDue,
      total: amountDue,
      status,
      paid: status === 'paid',
    });
    const transitions = invoice['status_transitions'] as Json;
    const stamp = { paid: 'paid_at', void: 'voided_at', uncollectible: 'marked_uncollectible_at' }[
      String(status)
    ];
    if (stamp && transitions[stamp] === null) transitions[stamp] = this.time;
    if (status !== 'open') invoice['next_payment_attempt'] = null;
  }

  /** Stripe's invoice object as the API would send it now, unexpanded. */
  invoice(id: string): Json {
    const invoice = this.invoices.get(id);
    if (!invoice) throw new Error(`no invoice ${id}`);
    return invoice;
  }

  /**
   * Stripe's own automatic attempt to collect an invoice (its first charge or a Smart Retry): charges the invoice's
   * customer's default card (or `paymentMethod`), counts the attempt, and schedules the next retry at
   * `nextPaymentAttempt` (null: Stripe gives up). Returns what the card network said.
   */
  stripeAttempt(
    invoiceId: string,
    options: { paymentMethod?: string; nextPaymentAttempt?: number | null } = {},
  ): 'succeeded' | 'failed' {
    const invoice = this.invoice(invoiceId);
    if (invoice['status'] !== 'open') throw new Error(`invoice ${invoiceId} is ${String(invoice['status'])}`);
    const pm = options.paymentMethod ?? this.defaultMethodOf(invoice);
    if (!pm) throw new Error(`invoice ${invoiceId}'s customer has no card`);
    const { declined } = this.attemptInvoice(invoice, pm, 'stripe', null);
    invoice['next_payment_attempt'] = declined ? (options.nextPaymentAttempt ?? null) : null;
    return declined ? 'failed' : 'succeeded';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const key = header(req, 'idempotency-key');
    const log = (status: FakeRequest['status'], replayed = false) =>
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
      if (method === 'POST' && CHARGING.some((pattern) => pattern.test(url.pathname))) {
        this.charging(url.pathname, params, key, res, log);
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
    const clock = /^\/v1\/test_helpers\/test_clocks\/([^/]+)(\/advance)?$/.exec(path);
    if (clock && (method === 'GET') === (clock[2] === undefined)) {
      const id = decodeURIComponent(clock[1]!);
      if (!this.clocks.has(id)) throw noSuch('test_helpers.test_clock', id, 'test_clock', 404);
      if (method === 'GET') return this.clocks.get(id)!;
      if (params['frozen_time'] === undefined) throw missingParam('frozen_time');
      return this.advanceTestClock(id, Number(params['frozen_time']));
    }
    if (method !== 'GET') throw notFound(`Unrecognized request URL (${method}: ${path}).`);
    const [, resource, id, sub] = /^\/v1\/([a-z_]+)(?:\/([^/]+))?(?:\/([a-z_]+))?$/.exec(path) ?? [];
    const one = id === undefined ? undefined : decodeURIComponent(id);
    if (resource === 'customers' && one === undefined) {
      expansions(params, []);
      const customers = [...this.customers.values()].filter(
        (c) =>
          createdMatches(c['created'] as number, params['created']) &&
          (params['email'] === undefined || c['email'] === params['email']),
      );
      return this.list(path, customers, params);
    }
    if (resource === 'customers' && sub === 'payment_methods')
      return this.listPaymentMethods(path, one!, params);
    if (resource === 'customers' && sub === undefined) {
      const customer = this.customers.get(one!);
      if (!customer) throw noSuch('customer', one!, 'id', 404);
      return customer;
    }
    if (resource === 'payment_methods' && one === undefined) {
      if (typeof params['customer'] !== 'string') throw missingParam('customer');
      return this.listPaymentMethods(path, params['customer'], params);
    }
    if (resource === 'payment_methods' && sub === undefined) {
      const found = this.paymentMethods.get(one!);
      if (!found) throw noSuch('PaymentMethod', one!, 'payment_method', 404);
      return withoutBehaviour(found);
    }
    if (resource === 'payment_intents' && one !== undefined && sub === undefined) {
      const found = this.intents.get(one);
      if (!found) throw noSuch('payment_intent', one, 'intent', 404);
      return found;
    }
    if (resource === 'invoices' && one === undefined) {
      const expand = expansions(params, this.expandable(['data.payment_intent', 'data.customer']));
      const invoices = [...this.invoices.values()].filter(
        (i) =>
          (params['status'] === undefined || i['status'] === params['status']) &&
          (params['customer'] === undefined || i['customer'] === params['customer']) &&
          (params['collection_method'] === undefined ||
            i['collection_method'] === params['collection_method']) &&
          createdMatches(i['created'] as number, params['created']),
      );
      const page = this.list(path, invoices, params);
      const data = (page['data'] as Json[]).map((i) => this.expandInvoice(i, expand, 'data.'));
      return { ...page, data };
    }
    if (resource === 'invoices' && sub === undefined) {
      const found = this.invoices.get(one!);
      if (!found) throw noSuch('invoice', one!, 'id', 404);
      return this.expandInvoice(
        found,
        expansions(params, this.expandable(['payment_intent', 'customer'])),
        '',
      );
    }
    throw notFound(`Unrecognized request URL (${method}: ${path}).`);
  }

  private expandable(fields: readonly string[]): string[] {
    return fields.filter((f) => !this.unexpandable.has(f));
  }

  private expandInvoice(invoice: Json, expand: ReadonlySet<string>, prefix: string): Json {
    const out = { ...invoice };
    if (expand.has(`${prefix}payment_intent`) && typeof invoice['payment_intent'] === 'string')
      out['payment_intent'] = this.intents.get(invoice['payment_intent']) ?? null;
    if (expand.has(`${prefix}customer`)) out['customer'] = this.customers.get(String(invoice['customer']));
    return out;
  }

  private listPaymentMethods(path: string, customer: string, params: Json): Json {
    if (!this.customers.has(customer)) throw noSuch('customer', customer, 'customer', 404);
    const methods = [...this.paymentMethods.values()]
      .filter(
        (m) => m['customer'] === customer && (params['type'] === undefined || m['type'] === params['type']),
      )
      .map(withoutBehaviour);
    return this.list(path, methods, params);
  }

  // Newest first, as Stripe lists; `starting_after` continues after the named object.
  private list(path: string, all: Json[], params: Json): Json {
    const limit = params['limit'] === undefined ? 10 : Number(params['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalidParam(
        'limit',
        `This value must be between 1 and 100 (it currently is ${String(params['limit'])}).`,
        'parameter_invalid_integer',
      );
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

  /** A request that charges a card, under Stripe's Idempotency-Key rules; drops and holds apply to it. */
  private charging(
    path: string,
    params: Json,
    key: string | null,
    res: ServerResponse,
    log: (status: FakeRequest['status'], replayed?: boolean) => void,
  ): void {
    const paramsHash = createHash('sha256').update(canonical(params)).digest('hex');
    const stored = key === null ? undefined : this.idempotent.get(key);
    let answer: Answer;
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
      answer = stored;
      replayed = true;
    } else {
      // Validation errors are not stored under the key, as on Stripe: nothing began executing.
      answer =
        path === '/v1/payment_intents'
          ? this.createPaymentIntent(params, key)
          : this.payInvoice(path, params, key);
      if (key !== null) this.idempotent.set(key, { path, paramsHash, ...answer });
    }
    if (!replayed && this.holds && this.holds.remaining > 0) {
      this.holds.remaining--;
      log('held');
      this.holds.onHeld();
      return; // answered never: the client dies or times out; stop() cuts the socket
    }
    if (this.drops > 0) {
      this.drops--;
      log('dropped', replayed);
      res.socket?.destroy();
      return;
    }
    log(answer.status, replayed);
    send(res, answer.status, answer.body, {
      ...(key === null ? {} : { 'Idempotency-Key': key }),
      ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
    });
  }

  private createPaymentIntent(params: Json, key: string | null): Answer {
    const amount = Number(params['amount']);
    if (params['amount'] === undefined) throw missingParam('amount');
    if (!Number.isInteger(amount) || amount < 1)
      throw invalidParam(
        'amount',
        'This value must be greater than or equal to 1.',
        'parameter_invalid_integer',
      );
    if (typeof params['currency'] !== 'string' || !/^[a-z]{3}$/.test(params['currency']))
      throw invalidParam('currency', `Invalid currency: ${String(params['currency'])}.`);
    const pm = params['payment_method'];
    if (typeof pm !== 'string') throw missingParam('payment_method');
    const customer = typeof params['customer'] === 'string' ? params['customer'] : null;
    if (customer !== null && !this.customers.has(customer)) throw noSuch('customer', customer, 'customer');
    this.checkMethod(pm, customer, 'PaymentIntent');
    if (params['confirm'] !== 'true' || params['off_session'] !== 'true') {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        message: 'This fake only confirms off-session PaymentIntents (confirm=true, off_session=true).',
      });
    }
    const intent = this.newIntent(amount, String(params['currency']), customer, params);
    const decline = this.confirm(intent, pm, { key, invoice: null, by: 'api' });
    if (!decline) return { status: 200, body: intent };
    return { status: 402, body: { error: { ...decline, payment_intent: intent } } };
  }

  private payInvoice(path: string, params: Json, key: string | null): Answer {
    const id = decodeURIComponent(path.split('/')[3]!);
    const invoice = this.invoices.get(id);
    if (!invoice) throw noSuch('invoice', id, 'id', 404);
    const expand = expansions(params, this.expandable(['payment_intent', 'customer']));
    const status = String(invoice['status']);
    if (status !== 'open') {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: status === 'paid' ? 'invoice_already_paid' : 'invoice_not_open',
        message:
          status === 'paid' ? 'Invoice is already paid' : `You cannot pay an invoice that is ${status}.`,
      });
    }
    const pm =
      typeof params['payment_method'] === 'string' ? params['payment_method'] : this.defaultMethodOf(invoice);
    if (!pm) throw missingParam('payment_method');
    this.checkMethod(pm, String(invoice['customer']), 'invoice');
    const { declined, intent } = this.attemptInvoice(invoice, pm, 'api', key);
    if (!declined) return { status: 200, body: this.expandInvoice(invoice, expand, '') };
    return { status: 402, body: { error: { ...declined, payment_intent: intent } } };
  }

  // One attempt on an invoice, by Stripe's retries or a pay request: the invoice's payment intent is confirmed again
  // with the card, making a new charge, and the invoice counts the attempt.
  private attemptInvoice(invoice: Json, pm: string, by: FakeCharge['by'], key: string | null) {
    const existing =
      typeof invoice['payment_intent'] === 'string' ? this.intents.get(invoice['payment_intent']) : null;
    const intent =
      existing ??
      this.newIntent(
        invoice['amount_remaining'] as number,
        String(invoice['currency']),
        String(invoice['customer']),
        {
          description: `Payment for Invoice ${String(invoice['number'])}`,
        },
      );
    invoice['payment_intent'] = intent['id'];
    const declined = this.confirm(intent, pm, { key, invoice: String(invoice['id']), by });
    // Only Stripe's own retries count after the first attempt; a payment asked for does not (Stripe's docs).
    if (by === 'stripe' || invoice['attempt_count'] === 0)
      invoice['attempt_count'] = (invoice['attempt_count'] as number) + 1;
    invoice['attempted'] = true;
    invoice['charge'] = intent['latest_charge'];
    if (!declined)
      this.updateInvoice(String(invoice['id']), {
        amountPaid: invoice['amount_due'] as number,
        status: 'paid',
      });
    return { declined, intent };
  }

  private checkMethod(pm: string, customer: string | null, on: string): void {
    const saved = this.paymentMethods.get(pm);
    if (!saved && !Object.hasOwn(TEST_CARDS, pm)) throw noSuch('PaymentMethod', pm, 'payment_method');
    if (saved && saved['customer'] !== customer) {
      throw invalidParam(
        'payment_method',
        `The provided PaymentMethod belongs to a different Customer than the one on this ${on}.`,
        'payment_method_invalid_parameter',
      );
    }
  }

  private newIntent(amount: number, currency: string, customer: string | null, params: Json): Json {
    const id = this.newId('pi');
    const intent: Json = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: params['automatic_payment_methods'] ?? null,
      canceled_at: null,
      capture_method: 'automatic_async',
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      confirmation_method: 'automatic',
      created: this.time,
      currency,
      customer,
      description: params['description'] ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: params['metadata'] ?? {},
      next_action: null,
      payment_method: null,
      payment_method_types: ['card'],
      status: 'requires_payment_method',
    };
    this.intents.set(id, intent);
    return intent;
  }

  // Confirms an intent with a card as the card network answers it; returns the decline's error object, or null.
  private confirm(
    intent: Json,
    pm: string,
    context: { key: string | null; invoice: string | null; by: FakeCharge['by'] },
  ): Json | null {
    const saved = this.paymentMethods.get(pm);
    const [card, until] = (saved?.behaves ?? pm).split('@until:');
    if (!Object.hasOwn(TEST_CARDS, card!)) throw new Error(`no test card behaviour '${card}'`);
    const recovered = until !== undefined && this.time >= Number(until);
    const decline = recovered ? null : (TEST_CARDS[card!] ?? null);
    const charge = this.newId('ch');
    const amount = intent['amount'] as number;
    Object.assign(intent, {
      latest_charge: charge,
      payment_method: pm,
      amount_received: decline ? 0 : amount,
      status: decline ? 'requires_payment_method' : 'succeeded',
      last_payment_error: null,
    });
    this.charges.push({
      paymentIntent: String(intent['id']),
      charge,
      idempotencyKey: context.key,
      paymentMethod: pm,
      customer: (intent['customer'] as string | null) ?? null,
      amount,
      currency: String(intent['currency']),
      status: decline ? 'failed' : 'succeeded',
      declineCode: decline ? (decline.decline_code ?? decline.code) : null,
      networkDeclineCode: decline?.network_decline_code ?? null,
      networkAdviceCode: decline?.network_advice_code ?? null,
      invoice: context.invoice,
      by: context.by,
      created: this.time,
    });
    if (!decline) return null;
    const error: Json = {
      type: 'card_error',
      charge,
      ...decline,
      doc_url: `https://stripe.com/docs/error-codes/${decline.code.replaceAll('_', '-')}`,
      request_log_url: `https://dashboard.stripe.com/test/logs/${this.newId('req')}`,
      payment_method: saved ? withoutBehaviour(saved) : { id: pm, object: 'payment_method', type: 'card' },
    };
    intent['last_payment_error'] = { ...error };
    return error;
  }

  private defaultMethodOf(invoice: Json): string | null {
    const customer = this.customers.get(String(invoice['customer']));
    const preferred = (customer?.['invoice_settings'] as Json | undefined)?.['default_payment_method'];
    if (typeof invoice['default_payment_method'] === 'string') return invoice['default_payment_method'];
    if (typeof preferred === 'string') return preferred;
    const attached = [...this.paymentMethods.values()].filter((m) => m['customer'] === invoice['customer']);
    return (attached[0]?.['id'] as string | undefined) ?? null;
  }

  private newId(prefix: string): string {
    this.seq++;
    return `${prefix}_${randomBytes(7).toString('hex')}${this.seq.toString(36).padStart(4, '0')}`;
  }

  // Strictly increasing seconds from the server's time, so list order (newest first) follows the order of seeding.
  private created(): number {
    this.lastCreated = Math.max(this.time, this.lastCreated + 1);
    return this.lastCreated;
  }
}

function withoutBehaviour(method: Json & { behaves: string }): Json {
  const { behaves: _, ...stripe } = method;
  return stripe;
}
