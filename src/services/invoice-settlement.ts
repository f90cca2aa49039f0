import { type ExternalPayment, recordExternalPayments, settleCases } from '../engine/external-payments.ts';
import { majorText } from '../import/cells.ts';
import type { Trx } from '../store/database.ts';
import type { InvoiceRow, InvoiceStatus } from '../store/tables.ts';

// The rules every writer of invoices other than the engine shares (the import, the inbound webhooks and the
// API), so that an invoice paid, voided or written off by any of them leaves its case in the same state.

/** An open invoice paid in full is paid, as the engine marks one after a successful retry. */
export function settledStatus(fields: {
  status: InvoiceStatus;
  amount_paid: number;
  total: number;
}): InvoiceStatus {
  return fields.status === 'open' && fields.amount_paid >= fields.total ? 'paid' : fields.status;
}

/** True for the statuses that take an invoice out of collection without money: void and uncollectible. */
export function isWrittenOff(status: InvoiceStatus): boolean {
  return status === 'void' || status === 'uncollectible';
}

/** Why an invoice cannot take a new currency or total, naming the column at fault, or null when it can. */
export function invoiceChangeProblem(
  current: Pick<InvoiceRow, 'currency' | 'amount_paid'>,
  next: { currency: string; total: number },
): { column: 'currency' | 'total'; message: string } | null {
  if (current.currency !== next.currency)
    return { column: 'currency', message: `was ${current.currency}; an invoice's currency cannot change` };
  if (next.total < current.amount_paid)
    return {
      column: 'total',
      message: `must not be below the ${majorText(current.amount_paid, current.currency)} already paid on this invoice`,
    };
  return null;
}

/**
 * After invoices are updated inside `trx`: records the payments they received and settles `casesToSettle` (the
 * cases of invoices that left collection without a payment: voided, written off, total lowered to what was paid),
 * so a case with nothing left to collect closes, with every pending step cancelled, in the same commit. Invoices
 * must be written first: settling reads their balances.
 */
export async function settleInvoiceChanges(
  trx: Trx,
  changes: { payments: readonly ExternalPayment[]; casesToSettle: readonly string[]; at: number },
): Promise<void> {
  await recordExternalPayments(trx, changes.payments);
  await settleCases(trx, changes.casesToSettle, changes.at);
}
