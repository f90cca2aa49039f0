import type Stripe from 'stripe';
import { isCurrency } from '../../domain/money.ts';
import { type TimeZoneOrigin, type TimeZoneSettings, syncedTimeZone } from '../../domain/synced-time-zone.ts';
import { stripeAmountToMinor } from '../../gateways/stripe/stripe-amounts.ts';
import { idOf } from '../../gateways/stripe/stripe-ids.ts';
import { majorText } from '../../import/cells.ts';
import { type CustomerFields, customerSpec } from '../../import/kinds/customers.ts';
import { type InvoiceFields, invoiceSpec } from '../../import/kinds/invoices.ts';
import { type PaymentMethodFields, paymentMethodSpec } from '../../import/kinds/payment-methods.ts';
import type { ImportRow, RowSpec } from '../../import/kinds/row-spec.ts';
import { RowReader } from '../../import/row-reader.ts';
import type { OpenCustomer } from '../../store/customer-contacts.ts';
import type { InvoiceRow, PaymentMethodRow } from '../../store/tables.ts';

// Stripe objects become the same validated rows a CSV import produces, so they are written by the import's
// planners. What Stripe does not know (opt-outs, time zones, attributes set in Recoup) is kept from the stored row.

/** Rows ready for a planner, the Stripe id behind each row's line, and what could not be taken as it was. */
export interface MappedRows<F> {
  readonly rows: ImportRow<F>[];
  readonly idsByLine: Map<number, string>;
  readonly warnings: string[];
  /** Objects left out, counted by why. */
  readonly skipped: Record<string, number>;
}

type Values = Map<string, unknown>;

/** Customer rows, and where each customer's time zone came from. */
export type CustomerRows = MappedRows<CustomerFields> & { readonly zones: TimeZoneOrigin[] };

/**
 * Customer rows for a page of Stripe customers; `stored` are Recoup's rows (contact data opened) by external id.
 * A field Stripe leaves empty keeps Recoup's value: it may have come from the API or an earlier import. Stripe has
 * no time zone: it is read from metadata, else inferred from the address (see domain/synced-time-zone.ts).
 */
export function customerRows(
  customers: readonly Stripe.Customer[],
  stored: ReadonlyMap<string, OpenCustomer>,
  timeZones: TimeZoneSettings,
): CustomerRows {
  const out: CustomerRows = { ...mapped<CustomerFields>(), zones: [] };
  customers.forEach((c, i) => {
    const mine = stored.get(c.id);
    const address = addressOf(c.address) ?? mine?.address ?? null;
    const zone = syncedTimeZone(
      {
        metadata: c.metadata,
        metadataKeys: timeZones.metadataKeys,
        address,
        fallback: timeZones.fallback,
      },
      mine ? { zone: mine.time_zone, address: mine.address } : null,
    );
    const values: Values = new Map();
    set(values, 'external_id', c.id);
    // Never the email: names are stored in the clear, contact data only encrypted.
    set(values, 'name', c.name?.trim() || mine?.name || c.id);
    set(values, 'email', c.email || mine?.email);
    set(values, 'phone', c.phone ? c.phone.replace(/[\s().-]/g, '') : mine?.phone);
    set(values, 'address', address);
    set(values, 'locale', c.preferred_locales?.[0] ?? mine?.locale);
    set(values, 'time_zone', zone.zone);
    set(values, 'attributes', { ...(mine ? JSON.parse(mine.attributes) : {}), ...(c.metadata ?? {}) });
    // An unsubscribe recorded in Recoup must survive the sync: Stripe has no notion of it.
    set(values, 'opted_out', mine ? JSON.parse(mine.opted_out) : []);
    const fallback = mine && {
      email: mine.email,
      phone: mine.phone,
      address: mine.address,
      locale: mine.locale,
      time_zone: mine.time_zone,
    };
    if (add(out, customerSpec, i + 1, c.id, values, fallback)) out.zones.push(zone.source);
  });
  return out;
}

function addressOf(address: Stripe.Address | null | undefined): Record<string, string> | null {
  const parts = Object.entries(address ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
  );
  return parts.length === 0 ? null : Object.fromEntries(parts);
}

/**
 * Payment method rows for one customer's Stripe cards, in the order retries try them: the customer's default card
 * (`preferredId`) first, then cards Recoup did not hold yet (a card added during dunning is the customer's answer
 * to it) in Stripe's order, newest first, then the rest in the order Recoup holds them. Cards Recoup holds from Stripe that Stripe no longer lists were
 * detached there, and are disabled so the engine stops charging them.
 */
export function paymentMethodRows(
  customerId: string,
  preferredId: string | null,
  cards: readonly Stripe.PaymentMethod[],
  stored: readonly PaymentMethodRow[],
): MappedRows<PaymentMethodFields> {
  const out = mapped<PaymentMethodFields>();
  // Known cards keep their order among themselves: it came from an earlier default, or from a person.
  const priority = new Map(stored.map((m) => [m.external_id, m.priority]));
  const rank = (pm: Stripe.PaymentMethod) => (pm.id === preferredId ? 0 : 1 + (priority.get(pm.id) ?? 0));
  const ordered = [...cards].sort((a, b) => rank(a) - rank(b));
  let line = 1;
  ordered.forEach((pm, i) => {
    const values: Values = new Map();
    set(values, 'external_id', pm.id);
    set(values, 'customer_external_id', customerId);
    set(values, 'token', pm.id);
    set(values, 'type', 'card');
    set(values, 'brand', pm.card?.brand);
    set(values, 'last4', pm.card?.last4);
    set(values, 'exp_month', pm.card?.exp_month);
    set(values, 'exp_year', pm.card?.exp_year);
    set(values, 'priority', i + 1);
    set(values, 'status', 'active');
    add(out, paymentMethodSpec, line++, pm.id, values);
  });
  const listed = new Set(cards.map((pm) => pm.id));
  for (const row of stored) {
    if (row.type !== 'card' || row.status !== 'active' || !row.external_id?.startsWith('pm_')) continue;
    if (listed.has(row.external_id)) continue;
    const values: Values = new Map();
    set(values, 'external_id', row.external_id);
    set(values, 'customer_external_id', customerId);
    for (const column of ['token', 'type', 'brand', 'last4', 'exp_month', 'exp_year', 'priority'] as const)
      set(values, column, row[column]);
    set(values, 'status', 'disabled');
    add(out, paymentMethodSpec, line++, row.external_id, values);
  }
  return out;
}

/**
 * Invoice rows for Stripe invoices (drafts are not owed yet and are left out). A charge_automatically invoice is
 * Recoup's to recover once Stripe's own charge failed and Stripe stopped retrying: two retry schedules on one
 * card would charge it twice.
 */
export function invoiceRows(
  invoices: readonly Stripe.Invoice[],
  stored: ReadonlyMap<string, InvoiceRow>,
  now: number,
): MappedRows<InvoiceFields> {
  const out = mapped<InvoiceFields>();
  invoices.forEach((inv, i) => {
    if (inv.status === 'draft' || inv.status === null) return;
    const customer = idOf(inv.customer);
    if (customer === null) {
      skip(out, 'no customer', `invoice ${inv.id}: has no customer; skipped`);
      return;
    }
    const currency = inv.currency.toUpperCase();
    if (!isCurrency(currency)) {
      skip(
        out,
        'currency not known',
        `invoice ${inv.id}: currency ${currency} is not an ISO 4217 code Recoup knows; skipped`,
      );
      return;
    }
    const minor = (amount: number) => majorText(stripeAmountToMinor(amount, currency), currency);
    const mine = stored.get(inv.id);
    const issued = inv.status_transitions?.finalized_at ?? inv.created;
    const failedNow =
      inv.status === 'open' &&
      inv.collection_method === 'charge_automatically' &&
      inv.attempt_count > 0 &&
      inv.next_payment_attempt === null;
    const values: Values = new Map();
    set(values, 'external_id', inv.id);
    set(values, 'customer_external_id', customer);
    set(values, 'number', inv.number ?? inv.id);
    set(values, 'currency', currency);
    // amount_due is what the customer owes after credits, which is what amount_paid counts against.
    set(values, 'total', minor(inv.amount_due));
    set(values, 'amount_paid', minor(Math.min(inv.amount_paid, inv.amount_due)));
    set(values, 'due_date', new Date((inv.due_date ?? issued) * 1000).toISOString());
    set(values, 'status', inv.status);
    set(values, 'collection', inv.collection_method);
    // The policy's clock starts when Recoup takes the invoice over, not when Stripe first failed weeks ago.
    const failedAt = mine?.failed_at ?? (failedNow ? now : null);
    if (inv.collection_method === 'charge_automatically' && failedAt !== null)
      set(values, 'failed_at', new Date(failedAt).toISOString());
    set(values, 'failure_code', mine?.failure_code);
    add(out, invoiceSpec, i + 1, inv.id, values);
  });
  return out;
}

function mapped<F>(): MappedRows<F> {
  return { rows: [], idsByLine: new Map(), warnings: [], skipped: {} };
}

function skip(out: MappedRows<unknown>, reason: string, warning: string): void {
  out.warnings.push(warning);
  out.skipped[reason] = (out.skipped[reason] ?? 0) + 1;
}

function set(values: Values, column: string, value: unknown): void {
  if (value !== null && value !== undefined && value !== '') values.set(column, value);
  else values.delete(column);
}

// Stripe accepts values Recoup does not (a phone not in E.164, an unknown locale). Such an optional cell falls back
// to Recoup's stored value, or stays empty; a bad required cell skips the object. The value itself is never
// repeated in a warning: it is contact data.
function add<F>(
  out: MappedRows<F>,
  spec: RowSpec<F>,
  line: number,
  id: string,
  values: Values,
  fallback: Record<string, unknown> | undefined = undefined,
): boolean {
  for (let round = 0; round < 3; round++) {
    const reader = new RowReader({ line, values });
    const row = spec.parse(reader);
    if (row && reader.ok) {
      out.rows.push(row);
      out.idsByLine.set(line, id);
      return true;
    }
    for (const problem of reader.problems) {
      if (spec.columns.required.includes(problem.column) || round === 2) {
        skip(out, `${problem.column} unusable`, `${id}: ${problem.column} ${problem.message}; skipped`);
        return false;
      }
      const kept = fallback?.[problem.column];
      const usable = kept !== undefined && kept !== null && values.get(problem.column) !== kept;
      out.warnings.push(
        `${id}: ${problem.column} ${problem.message}; ${usable ? "kept Recoup's value" : 'left empty'}`,
      );
      set(values, problem.column, usable ? kept : null);
    }
  }
  return false;
}

/** Several mapped pages as one, lines renumbered so each stays unique for the planner's problems. */
export function concatRows<F>(parts: readonly MappedRows<F>[]): MappedRows<F> {
  const out = mapped<F>();
  for (const part of parts) {
    const offset = out.rows.length === 0 ? 0 : Math.max(...out.idsByLine.keys());
    for (const row of part.rows) {
      out.rows.push({ ...row, line: row.line + offset });
      out.idsByLine.set(row.line + offset, part.idsByLine.get(row.line)!);
    }
    out.warnings.push(...part.warnings);
    for (const [reason, n] of Object.entries(part.skipped))
      out.skipped[reason] = (out.skipped[reason] ?? 0) + n;
  }
  return out;
}
