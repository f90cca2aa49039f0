import { type FieldError, formatErrors, validate } from '../../domain/validation.ts';
import { isCurrency } from '../../domain/money.ts';
import { parsePostalAddress } from '../../domain/postal-address.ts';
import { type CellParser, email, gatewayToken, locale, phone, timeZone } from '../../import/cells.ts';
import type { InboundChange, InboundEvent } from './changes.ts';
import { WebhookRejectedError } from './errors.ts';
import {
  GENERIC_EVENT_DATA,
  GENERIC_EVENT_TYPES,
  GenericEventEnvelope,
  type GenericEventOf,
  type GenericEventType,
} from './generic-contract.ts';

/**
 * Parses and validates a generic webhook body against the contract (generic-contract.ts) and maps it onto
 * Recoup's changes. Every problem is reported at once, each naming its field (`data.total: expected integer`).
 */
export function parseGenericEvent(
  body: Buffer | string,
  now: number,
  toleranceSeconds: number,
): InboundEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw malformed([{ path: '(root)', message: 'not valid JSON' }]);
  }
  const envelope = validate(GenericEventEnvelope, withoutNulls(parsed));
  if (!envelope.ok) throw malformed(envelope.errors.map(namingTypes));
  const { id, type, created } = envelope.value;
  // A future `created` would make every later event about the same object look stale.
  if (created > now + toleranceSeconds * 1000)
    throw malformed([{ path: 'created', message: "is in the future by the receiver's clock" }]);
  const data = validate(GENERIC_EVENT_DATA[type], withoutNulls(envelope.value.data), 'data');
  if (!data.ok) throw malformed(data.errors);
  const event = { id, type, created, data: data.value } as GenericEventOf<GenericEventType>;
  const problems: FieldError[] = [];
  const change = toChange(event, problems);
  if (problems.length > 0) throw malformed(problems);
  return { source: 'generic', id, type, created, change };
}

/** The contract's name for a column the import planners report a problem on. */
export function genericField(column: string): string {
  return `data.${column}`;
}

function malformed(errors: readonly FieldError[]): WebhookRejectedError {
  return new WebhookRejectedError(
    'malformed-payload',
    formatErrors(errors),
    errors.map((e) => ({ field: e.path, reason: e.message })),
  );
}

// A union of literals reports "expected union value"; the sender needs the list.
function namingTypes(error: FieldError): FieldError {
  if (error.path !== 'type' || error.message === 'is required') return error;
  return { path: 'type', message: `expected one of ${GENERIC_EVENT_TYPES.join(', ')}` };
}

function withoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

function toChange(event: GenericEventOf<GenericEventType>, problems: FieldError[]): InboundChange {
  const check = <T>(field: string, value: unknown, parse: CellParser<T>): T | undefined => {
    if (value === undefined) return undefined;
    const parsed = parse(value);
    if (parsed.ok) return parsed.value;
    problems.push({ path: `data.${field}`, message: parsed.message });
    return undefined;
  };
  const currency = (value: string) => {
    if (!isCurrency(value))
      problems.push({ path: 'data.currency', message: 'not an ISO 4217 currency code' });
    return value;
  };
  switch (event.type) {
    case 'customer.upserted': {
      const d = (event as GenericEventOf<'customer.upserted'>).data;
      return {
        kind: 'customer',
        externalId: d.external_id,
        contact: {
          name: d.name,
          email: check('email', d.email, email) ?? null,
          phone: check('phone', d.phone, phone) ?? null,
        },
        address: check('address', d.address, parsePostalAddress),
        locale: check('locale', d.locale, locale),
        timeZone: check('time_zone', d.time_zone, timeZone),
        attributes: d.attributes === undefined ? undefined : JSON.stringify(d.attributes),
        optedOut: d.opted_out === undefined ? undefined : JSON.stringify([...new Set(d.opted_out)].sort()),
      };
    }
    case 'payment_method.upserted': {
      const d = (event as GenericEventOf<'payment_method.upserted'>).data;
      const { external_id, customer_external_id, token, ...rest } = d;
      return {
        kind: 'payment_method',
        externalId: external_id,
        customerExternalId: customer_external_id,
        fields: { ...rest, token: check('token', token, gatewayToken) ?? '' },
      };
    }
    case 'invoice.upserted': {
      const d = (event as GenericEventOf<'invoice.upserted'>).data;
      const { external_id, customer_external_id, failed_at, failure_code, ...fields } = d;
      if (d.amount_paid !== undefined && d.amount_paid > d.total)
        problems.push({ path: 'data.amount_paid', message: 'must not exceed total' });
      if (failed_at !== undefined && d.collection !== 'charge_automatically')
        problems.push({ path: 'data.failed_at', message: 'needs collection charge_automatically' });
      if (d.failed_payment_method !== undefined && failed_at === undefined)
        problems.push({ path: 'data.failed_payment_method', message: 'needs failed_at' });
      return {
        kind: 'invoice',
        externalId: external_id,
        customerExternalId: customer_external_id,
        fields: { ...fields, currency: currency(d.currency) },
        failure: failed_at === undefined ? undefined : { at: failed_at, code: failure_code ?? null },
      };
    }
    case 'invoice.payment_recorded': {
      const d = (event as GenericEventOf<'invoice.payment_recorded'>).data;
      return {
        kind: 'invoice',
        externalId: d.invoice_external_id,
        customerExternalId: null,
        fields: { currency: currency(d.currency), amount_paid: d.amount_paid },
      };
    }
    case 'invoice.voided': {
      const d = (event as GenericEventOf<'invoice.voided'>).data;
      return {
        kind: 'invoice',
        externalId: d.invoice_external_id,
        customerExternalId: null,
        fields: { status: 'void' },
      };
    }
    case 'dispute.opened': {
      const d = (event as GenericEventOf<'dispute.opened'>).data;
      const { external_id: externalId, invoice_external_id: invoiceExternalId, reason } = d;
      return { kind: 'dispute', externalId, opened: true, invoiceExternalId, reason: reason ?? null };
    }
    case 'dispute.closed': {
      const d = (event as GenericEventOf<'dispute.closed'>).data;
      const { external_id: externalId, invoice_external_id: invoiceExternalId, outcome } = d;
      return { kind: 'dispute', externalId, opened: false, invoiceExternalId, outcome: outcome ?? null };
    }
  }
}
