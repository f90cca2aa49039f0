/** An open invoice as payment allocation sees it. */
export interface OpenBalance {
  readonly invoiceId: string;
  readonly total: number;
  readonly amountPaid: number;
}

/** How much of a payment goes to each invoice, and the invoice's new state. */
export interface Allocation {
  readonly invoiceId: string;
  readonly amount: number;
  readonly amountPaid: number;
  readonly paid: boolean;
}

/** Applies a payment to invoices in the order given (oldest due first), never more than each one's balance. */
export function allocatePayment(invoices: readonly OpenBalance[], amount: number): Allocation[] {
  let left = amount;
  const out: Allocation[] = [];
  for (const inv of invoices) {
    if (left <= 0) break;
    const take = Math.min(left, Math.max(0, inv.total - inv.amountPaid));
    if (take === 0) continue;
    left -= take;
    const amountPaid = inv.amountPaid + take;
    out.push({ invoiceId: inv.invoiceId, amount: take, amountPaid, paid: amountPaid >= inv.total });
  }
  return out;
}
