import type { CaseFactRows, InvoiceFact } from '../store/case-facts.ts';
import type { AttemptRow } from '../store/tables.ts';

/**
 * What one charge of a retry step is for: one invoice, when the gateway charges per invoice (Stripe pays each of
 * its invoices with its own request), or the case's whole balance (`invoice` null) otherwise.
 */
export interface ChargeUnit {
  readonly invoice: InvoiceFact | null;
  readonly amount: number;
}

/** A case's charge units, oldest invoice first; `amountDue` is the case's whole unpaid balance. */
export function chargeUnits(rows: CaseFactRows, perInvoice: boolean, amountDue: number): ChargeUnit[] {
  if (!perInvoice) return [{ invoice: null, amount: amountDue }];
  return rows.openInvoices
    .map((invoice) => ({ invoice, amount: Math.max(0, invoice.total - invoice.amount_paid) }))
    .filter((unit) => unit.amount > 0);
}

/** How a step's charges so far left a unit: paid by one of them, closed by the billing system, or still owed. */
export function unitSettled(
  unit: ChargeUnit,
  attempts: readonly Pick<AttemptRow, 'status' | 'invoice_id'>[],
  closedInvoices: ReadonlyMap<string, unknown>,
): boolean {
  const invoiceId = unit.invoice?.id ?? null;
  if (invoiceId !== null && closedInvoices.has(invoiceId)) return true;
  return attempts.some((a) => a.status === 'succeeded' && a.invoice_id === invoiceId);
}
