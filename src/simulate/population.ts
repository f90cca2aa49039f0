import { classifyDecline } from '../domain/declines.ts';
import { minorUnitDigits } from '../domain/money.ts';
import { PUBLISHED_DECLINE_MIX } from '../gateways/sandbox/tokens.ts';
import { type Random, createRandom } from './random.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What kind of business a customer is: a card subscription, or a B2B account paying invoices on terms. */
export type Segment = 'card' | 'b2b';

/** How to build a synthetic business; every number has a default drawn from the published figures. */
export interface PopulationOptions {
  readonly seed: number;
  readonly customers: number;
  readonly start: number;
  readonly days: number;
  /** Share of renewals the billing system fails to charge (Recurly: ~6% credit, ~13% debit). */
  readonly renewalFailureRate?: number;
  readonly b2bShare?: number;
}

export interface SimCustomer {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly locale: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly optedOut: readonly string[];
  readonly segment: Segment;
  readonly createdAt: number;
}

export interface SimCard {
  readonly id: string;
  readonly customerId: string;
  readonly brand: string;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly priority: number;
  readonly token: string;
}

/** A card going bad at a renewal: from then on the sandbox answers for it with `token`. */
export interface CardBreak {
  readonly methodId: string;
  readonly token: string;
}

/** A subscription renewal the billing system charges itself at `at`. */
export interface SimRenewal {
  readonly invoiceId: string;
  readonly number: string;
  readonly customerId: string;
  readonly currency: string;
  readonly amount: number;
  readonly at: number;
  /** What happens to the customer's original cards just before this charge; empty while they stay as they are. */
  readonly breaks: readonly CardBreak[];
}

/** A B2B invoice on net-30 terms, issued at `issuedAt`. */
export interface SimInvoice {
  readonly invoiceId: string;
  readonly number: string;
  readonly customerId: string;
  readonly currency: string;
  readonly amount: number;
  readonly issuedAt: number;
  readonly dueAt: number;
}

/** A whole synthetic business, generated from a seed. */
export interface Population {
  readonly seed: number;
  readonly start: number;
  readonly days: number;
  readonly customers: readonly SimCustomer[];
  readonly cards: readonly SimCard[];
  readonly renewals: readonly SimRenewal[]; // by time
  readonly invoices: readonly SimInvoice[]; // by issue time
}

interface Market {
  readonly locale: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly weight: number;
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  readonly companySuffix: string;
}

const MARKETS: readonly Market[] = [
  ...[
    ['America/New_York', 16],
    ['America/Chicago', 9],
    ['America/Los_Angeles', 11],
  ].map(([timeZone, weight]) => ({
    locale: 'en-US',
    timeZone: timeZone as string,
    currency: 'USD',
    weight: weight as number,
    firstNames: ['James', 'Mary', 'Robert', 'Linda', 'Michael', 'Patricia', 'David', 'Jennifer', 'Maria'],
    lastNames: ['Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Miller', 'Davis', 'Martinez', 'Lee'],
    companySuffix: 'Inc.',
  })),
  {
    locale: 'en-GB',
    timeZone: 'Europe/London',
    currency: 'GBP',
    weight: 16,
    firstNames: ['Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Jack', 'Emily'],
    lastNames: ['Taylor', 'Jones', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Hughes'],
    companySuffix: 'Ltd',
  },
  {
    locale: 'de-DE',
    timeZone: 'Europe/Berlin',
    currency: 'EUR',
    weight: 17,
    firstNames: ['Lukas', 'Anna', 'Jürgen', 'Lena', 'Felix', 'Sophie', 'Jonas', 'Marie'],
    lastNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker'],
    companySuffix: 'GmbH',
  },
  {
    locale: 'fr-FR',
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    weight: 13,
    firstNames: ['Léa', 'Hugo', 'Chloé', 'Louis', 'Camille', 'Gabriel', 'Inès', 'Jules'],
    lastNames: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Petit', 'Durand', 'Lefèvre'],
    companySuffix: 'SARL',
  },
  {
    locale: 'es-ES',
    timeZone: 'Europe/Madrid',
    currency: 'EUR',
    weight: 10,
    firstNames: ['Lucía', 'Hugo', 'Martina', 'Mateo', 'Sofía', 'Pablo', 'Valeria', 'Álvaro'],
    lastNames: ['García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez'],
    companySuffix: 'S.L.',
  },
  {
    locale: 'ja-JP',
    timeZone: 'Asia/Tokyo',
    currency: 'JPY',
    weight: 3,
    firstNames: ['Haruto', 'Yui', 'Sota', 'Hina', 'Ren', 'Aoi'],
    lastNames: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito'],
    companySuffix: 'K.K.',
  },
];

const BRANDS = [
  { brand: 'visa', weight: 55 },
  { brand: 'mastercard', weight: 35 },
  { brand: 'amex', weight: 10 },
];

// Shares from the brief: a few customers cannot be emailed at all, and soft declines often clear on their own.
const OPTED_OUT_SHARE = 0.03;
const NO_EMAIL_SHARE = 0.02;
const SECOND_CARD_SHARE = 0.25;
const EXPIRING_CARD_SHARE = 0.05;
const SOFT_RECOVERY_SHARE = 0.65;
const SECOND_CARD_WORKS_SHARE = 0.5;
const NET_TERMS_DAYS = 30;
// Receivables start a month before the simulation, so invoices fall due from its first day.
const B2B_BOOK_START_DAYS = -30;

/** Builds a synthetic business from a seed; the same options always give the same population. */
export function generatePopulation(options: PopulationOptions): Population {
  const random = createRandom(options.seed);
  const failureRate = options.renewalFailureRate ?? 0.12;
  const b2bShare = options.b2bShare ?? 0.2;
  const end = options.start + options.days * DAY;
  const customers: SimCustomer[] = [];
  const cards: SimCard[] = [];
  const renewals: SimRenewal[] = [];
  const invoices: SimInvoice[] = [];

  for (let n = 1; n <= options.customers; n += 1) {
    const segment: Segment = random.chance(b2bShare) ? 'b2b' : 'card';
    const customer = makeCustomer(random, n, segment, options.start);
    customers.push(customer);
    if (segment === 'b2b') {
      invoices.push(...makeInvoices(random, customer, n, options.start, end));
      continue;
    }
    const own = makeCards(random, customer, n, options.start, end);
    cards.push(...own);
    renewals.push(...makeRenewals(random, customer, n, own, options.start, end, failureRate));
  }
  renewals.sort((a, b) => a.at - b.at || compare(a.invoiceId, b.invoiceId));
  invoices.sort((a, b) => a.issuedAt - b.issuedAt || compare(a.invoiceId, b.invoiceId));
  return {
    seed: options.seed,
    start: options.start,
    days: options.days,
    customers,
    cards,
    renewals,
    invoices,
  };
}

/** A failing card's sandbox token for a decline code drawn from the published mix, recovering or not. */
export function failingToken(random: Random, at: number): string {
  const { code } = random.weighted(PUBLISHED_DECLINE_MIX, (d) => d.weight);
  // Only a soft decline can clear by itself (money arrives, the issuer comes back); the others need the customer.
  if (classifyDecline({ code }).class === 'soft' && random.chance(SOFT_RECOVERY_SHARE)) {
    return `tok_sim_${code}_until_${at + random.int(24, 21 * 24) * HOUR}`;
  }
  return `tok_sim_${code}_never`;
}

/** Minor units for an amount in major units; yen prices run about 100 times the dollar figure. */
export function toMinorUnits(major: number, currency: string): number {
  const digits = minorUnitDigits(currency);
  return digits === 0 ? major * 100 : major * 10 ** digits;
}

function makeCustomer(random: Random, n: number, segment: Segment, start: number): SimCustomer {
  const market = random.weighted(MARKETS, (m) => m.weight);
  const first = random.pick(market.firstNames);
  const last = random.pick(market.lastNames);
  const name =
    segment === 'b2b' ? `${last} ${random.pick(COMPANY_WORDS)} ${market.companySuffix}` : `${first} ${last}`;
  const mailbox =
    segment === 'b2b'
      ? `ap.${ascii(last)}${n}@example.com`
      : `${ascii(first)}.${ascii(last)}${n}@example.com`;
  const noEmail = random.chance(NO_EMAIL_SHARE);
  return {
    id: `cus_${pad(n)}`,
    name,
    email: noEmail ? null : mailbox,
    locale: market.locale,
    timeZone: market.timeZone,
    currency: market.currency,
    optedOut: random.chance(OPTED_OUT_SHARE) ? ['email'] : [],
    segment,
    createdAt: start - random.int(30, 700) * DAY,
  };
}

const COMPANY_WORDS = ['Trading', 'Systems', 'Logistics', 'Foods', 'Studio', 'Engineering', 'Retail', 'Labs'];

function makeCards(random: Random, customer: SimCustomer, n: number, start: number, end: number): SimCard[] {
  const count = random.chance(SECOND_CARD_SHARE) ? 2 : 1;
  const startYear = new Date(start).getUTCFullYear();
  return Array.from({ length: count }, (_, i) => {
    let expMonth = random.int(1, 12);
    let expYear = startYear + random.int(1, 4);
    if (i === 0 && random.chance(EXPIRING_CARD_SHARE)) {
      // Expires in a month the simulation runs through, so a later renewal meets an expired card.
      const during = new Date(start + random.next() * (end - start));
      expMonth = during.getUTCMonth() + 1;
      expYear = during.getUTCFullYear();
    }
    return {
      id: `pm_${pad(n)}_${i + 1}`,
      customerId: customer.id,
      brand: random.weighted(BRANDS, (b) => b.weight).brand,
      last4: String(random.int(0, 9999)).padStart(4, '0'),
      expMonth,
      expYear,
      priority: i + 1,
      token: 'tok_ok',
    };
  });
}

function makeRenewals(
  random: Random,
  customer: SimCustomer,
  n: number,
  cards: readonly SimCard[],
  start: number,
  end: number,
  failureRate: number,
): SimRenewal[] {
  const amount = toMinorUnits(random.int(9, 99), customer.currency);
  const day = random.int(1, 28);
  const hour = random.int(0, 23);
  const first = new Date(start);
  const [primary, second] = cards;
  if (!primary) return [];
  const expiresAt = Date.UTC(primary.expYear, primary.expMonth, 1);
  const renewals: SimRenewal[] = [];
  let healthyFrom = Number.NEGATIVE_INFINITY;
  for (let k = 0; ; k += 1) {
    const at = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + k, day, hour);
    if (at >= end) break;
    if (at < start) continue;
    const breaks: CardBreak[] = [];
    if (at >= healthyFrom && (at >= expiresAt || random.chance(failureRate))) {
      const token = at >= expiresAt ? 'tok_sim_expired_card_never' : failingToken(random, at);
      breaks.push({ methodId: primary.id, token });
      if (second) {
        const secondToken = random.chance(SECOND_CARD_WORKS_SHARE) ? 'tok_ok' : failingToken(random, at);
        breaks.push({ methodId: second.id, token: secondToken });
      }
      healthyFrom = recoversAt(token);
    }
    renewals.push({
      invoiceId: `inv_${pad(n)}_${k}`,
      number: `SUB-${pad(n)}-${k}`,
      customerId: customer.id,
      currency: customer.currency,
      amount,
      at,
      breaks,
    });
  }
  return renewals;
}

function makeInvoices(
  random: Random,
  customer: SimCustomer,
  n: number,
  start: number,
  end: number,
): SimInvoice[] {
  const invoices: SimInvoice[] = [];
  for (let block = B2B_BOOK_START_DAYS; start + block * DAY < end; block += NET_TERMS_DAYS) {
    const issuedAt = start + (block + random.int(0, NET_TERMS_DAYS - 1)) * DAY + random.int(9, 17) * HOUR;
    const amount = toMinorUnits(random.int(500, 20_000), customer.currency);
    if (issuedAt >= end) continue;
    const k = invoices.length + 1;
    invoices.push({
      invoiceId: `inv_${pad(n)}_b${k}`,
      number: `INV-${pad(n)}-${k}`,
      customerId: customer.id,
      currency: customer.currency,
      amount,
      issuedAt,
      dueAt: issuedAt + NET_TERMS_DAYS * DAY,
    });
  }
  return invoices;
}

function recoversAt(token: string): number {
  const until = /_until_(\d+)$/.exec(token);
  return until ? Number(until[1]) : Number.POSITIVE_INFINITY;
}

function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

function pad(n: number): string {
  return String(n).padStart(6, '0');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
