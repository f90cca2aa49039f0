/** True for the id of an invoice Stripe issued (`in_…`): Recoup pays such an invoice through Stripe itself. */
export function isStripeInvoiceId(externalId: string | null | undefined): externalId is string {
  return typeof externalId === 'string' && externalId.startsWith('in_');
}

/** The id of a field Stripe sends either as an id or, expanded, as the object. */
export function idOf(value: string | { readonly id: string } | null | undefined): string | null {
  return value == null ? null : typeof value === 'string' ? value : value.id;
}
