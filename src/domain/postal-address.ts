/** A postal address, in the shape billing systems (Stripe among them) use; every part optional but one. */
export interface PostalAddress {
  readonly line1?: string;
  readonly line2?: string;
  readonly city?: string;
  readonly state?: string;
  readonly postal_code?: string;
  readonly country?: string; // ISO 3166-1 alpha-2
}

const PARTS = ['line1', 'line2', 'city', 'state', 'postal_code', 'country'] as const;
const MAX = 200;
const EXPECTED = 'expected a JSON object such as {"line1":"1 Main St","city":"Springfield","country":"US"}';

/** An address from a JSON object (or its JSON text), with its parts in a fixed order; or why it is not one. */
export function parsePostalAddress(
  value: unknown,
): { readonly ok: true; readonly value: PostalAddress } | { readonly ok: false; readonly message: string } {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { ok: false, message: EXPECTED };
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, message: EXPECTED };
  const input = parsed as Record<string, unknown>;
  const unknown = Object.keys(input).find((k) => !(PARTS as readonly string[]).includes(k));
  if (unknown)
    return { ok: false, message: `unknown address part '${unknown}'; allowed: ${PARTS.join(', ')}` };
  const address: Record<string, string> = {};
  for (const part of PARTS) {
    const v = input[part];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || v.length > MAX)
      return { ok: false, message: `address ${part}: expected text of at most ${MAX} characters` };
    address[part] = part === 'country' ? v.toUpperCase() : v;
  }
  if (address['country'] !== undefined && !/^[A-Z]{2}$/.test(address['country']))
    return { ok: false, message: 'address country: expected an ISO 3166-1 alpha-2 code such as DE' };
  if (Object.keys(address).length === 0) return { ok: false, message: 'address: no parts given' };
  return { ok: true, value: address };
}

/** The JSON text an address is stored as (before encryption): parts in a fixed order, so equal means equal. */
export function postalAddressJson(address: PostalAddress | null): string | null {
  if (address === null) return null;
  const ordered: Record<string, string> = {};
  for (const part of PARTS) if (address[part] !== undefined) ordered[part] = address[part];
  return JSON.stringify(ordered);
}
