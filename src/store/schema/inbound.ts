// Inbound webhooks: which events from billing systems were already applied, and what ordering needs to remember.

/** Who sent an inbound event: Stripe, or another billing system through the generic signed contract. */
export type InboundSource = 'stripe' | 'generic';

/** Every event received once: the primary key is what makes a replayed event a no-op. */
export interface InboundEventsTable {
  source: InboundSource;
  event_id: string;
  type: string;
  created_at: number; // the event's own creation time (Stripe's `created` × 1000)
  received_at: number;
  applied_at: number | null; // null when the event changed nothing (unknown type, stale, unknown object)
  result: 'applied' | 'ignored';
  detail: string | null; // why it was ignored; never personal data
}

/** Per object, the creation time of the newest event applied to it, so an older event cannot overwrite it. */
export interface InboundObjectsTable {
  source: InboundSource;
  object_type: 'customer' | 'payment_method' | 'invoice' | 'dispute';
  external_id: string;
  last_created: number;
}

/** Disputes a billing system reported, so that a case resumes only when no dispute on it is still open. */
export interface InboundDisputesTable {
  source: InboundSource;
  dispute_id: string;
  invoice_id: string | null; // null for a close that arrived before its open, about an invoice never seen
  case_id: string | null;
  status: 'open' | 'closed';
  reason: string | null;
  outcome: string | null;
  opened_at: number | null;
  closed_at: number | null;
}

/** Charges and payment intents seen on an invoice: Stripe names a dispute's charge, never its invoice. */
export interface InboundPaymentRefsTable {
  source: InboundSource;
  reference: string;
  invoice_id: string;
}

export interface InboundTables {
  inbound_events: InboundEventsTable;
  inbound_objects: InboundObjectsTable;
  inbound_disputes: InboundDisputesTable;
  inbound_payment_refs: InboundPaymentRefsTable;
}
