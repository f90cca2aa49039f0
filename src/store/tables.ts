import type { Generated, Insertable, Selectable } from 'kysely';
import type { Sealed } from '../security/sealed.ts';
import type { AnalyticsTables } from './schema/analytics.ts';
import type { ApiTables } from './schema/api.ts';
import type { CaseWorkTables } from './schema/case-work.ts';
import type { EncryptionTables } from './schema/encryption.ts';
import type { InboundTables } from './schema/inbound.ts';
import type { MessageTrackingTables } from './schema/message-tracking.ts';
import type { SettingsTables } from './schema/settings.ts';
import type { StripeTables } from './schema/stripe.ts';
import type { TemplateVersionsTables } from './schema/template-versions.ts';
import type { WebhooksTables } from './schema/webhooks.ts';

// Every time is epoch milliseconds UTC and every amount integer minor units; booleans are 0/1 on both databases.

export interface CustomersTable {
  id: string;
  external_id: string | null;
  name: string;
  // Contact data is encrypted at rest: write and read it through store/customer-contacts.ts.
  email: Sealed | null;
  phone: Sealed | null;
  address: Sealed | null; // a PostalAddress as JSON, then encrypted
  locale: string;
  time_zone: string;
  attributes: string; // JSON object used by policy conditions and segments
  opted_out: string; // JSON array of channel names the customer opted out of
  created_at: number;
  updated_at: number;
  erased_at: number | null; // personal data erased on request (privacy/customer-erasure.ts)
}

export interface PaymentMethodsTable {
  id: string;
  external_id: string | null;
  customer_id: string;
  token: string;
  type: string;
  brand: string | null;
  last4: string | null;
  exp_month: number | null;
  exp_year: number | null;
  priority: number;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
}

export type InvoiceStatus = 'open' | 'paid' | 'void' | 'uncollectible';
export type CollectionMethod = 'charge_automatically' | 'send_invoice';

export interface InvoicesTable {
  id: string;
  external_id: string | null;
  customer_id: string;
  number: string;
  currency: string;
  total: number;
  amount_paid: number;
  due_at: number;
  status: InvoiceStatus;
  collection: CollectionMethod;
  failed_at: number | null; // when the billing system's own charge failed: opens a card case
  failure_code: string | null;
  /** The method that failure_code applies to (the billing system's charge failed on it); see migration 019. */
  failed_payment_method_id: string | null;
  case_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface PaymentsTable {
  id: string;
  invoice_id: string;
  case_id: string | null;
  amount: number;
  currency: string;
  source: 'retry' | 'import' | 'api';
  reference: string;
  received_at: number;
}

export interface PolicyVersionsTable {
  id: string;
  name: string;
  version: number;
  document: string; // the validated policy as JSON
  source: string; // the file as the author wrote it
  created_at: number;
}

/** `needs_attention`: still owed, but parked after failing too often; the engine leaves it until a person retries it. */
export type CaseState = 'open' | 'needs_attention' | 'recovered' | 'exhausted' | 'cancelled' | 'written_off';

/** The states of a case that still owes: a payment may settle it, and a new invoice joins it. */
export const ACTIVE_CASE_STATES: readonly CaseState[] = ['open', 'needs_attention'];

export interface CasesTable {
  id: string;
  customer_id: string;
  currency: string;
  state: CaseState;
  paused: number;
  policy_version_id: string;
  anchor_at: number;
  opened_at: number;
  closed_at: number | null;
  next_due_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  amount_failed: number; // what was overdue when invoices joined the case: the denominator of recovery rate
  amount_recovered: number;
  escalated_at: number | null;
  error_count: Generated<number>; // failures since the case was last worked without error
  last_error: string | null;
}

/** `superseded`: a reminder not sent because a later one fell due at the same time (see domain/due-steps.ts). */
export type StepStatus = 'pending' | 'done' | 'skipped' | 'cancelled' | 'unknown' | 'failed' | 'superseded';

export interface ScheduledStepsTable {
  case_id: string;
  step_id: string;
  position: number;
  action: string;
  due_at: number;
  status: StepStatus;
  completed_at: number | null;
}

/** `not_charged`: the billing system had closed the invoice when Recoup came to charge it, so nothing was charged. */
export type AttemptStatus = 'pending' | 'succeeded' | 'failed' | 'not_charged';

/** Who made a charge: Recoup's engine, or the billing system itself (its own attempts before Recoup took over). */
export type AttemptSource = 'recoup' | 'stripe';

export interface PaymentAttemptsTable {
  id: string;
  case_id: string | null; // null for a billing system's attempt made before any case
  step_id: string | null; // null for a billing system's attempt
  payment_method_id: string;
  amount: number;
  currency: string;
  idempotency_key: string;
  status: AttemptStatus;
  charge_id: string | null;
  decline_code: string | null;
  decline_class: string | null;
  network_decline_code: string | null;
  network_advice_code: string | null;
  stop_method: number;
  retry_after_ms: number | null;
  created_at: number;
  completed_at: number | null;
  source: AttemptSource;
  invoice_id: string | null; // the one invoice this charge was for; null when it was for the case's whole balance
}

/** `unknown`: a send was interrupted and its channel cannot tell if it left; `resent`: a person had it sent anew. */
export type MessageStatus = 'sending' | 'sent' | 'failed' | 'unknown' | 'resent';

export interface MessagesTable {
  id: string;
  case_id: string;
  step_id: string;
  customer_id: string;
  channel: string;
  template: string;
  locale: string;
  recipient: Sealed; // encrypted at rest: see store/message-recipients.ts
  subject: string;
  body_text: string;
  body_html: string | null;
  status: MessageStatus;
  idempotency_key: string;
  provider_id: string | null;
  provider_response: string | null; // the provider's acceptance, e.g. an SMTP server's 250 line
  error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface TimelineEventsTable {
  id: Generated<number>;
  case_id: string;
  at: number;
  type: string;
  policy_version_id: string | null;
  step_id: string | null;
  rule: string | null;
  data: string; // JSON
}

export interface SandboxChargesTable {
  idempotency_key: string;
  token: string;
  amount: number;
  currency: string;
  result: string; // JSON ChargeResult
  created_at: number;
}

export interface CoreTables {
  customers: CustomersTable;
  payment_methods: PaymentMethodsTable;
  invoices: InvoicesTable;
  payments: PaymentsTable;
  policy_versions: PolicyVersionsTable;
  cases: CasesTable;
  scheduled_steps: ScheduledStepsTable;
  payment_attempts: PaymentAttemptsTable;
  messages: MessagesTable;
  timeline_events: TimelineEventsTable;
  sandbox_charges: SandboxChargesTable;
}

/** Every table: the engine's own and those each integration adds in its own schema file. */
export type Tables = CoreTables &
  ApiTables &
  WebhooksTables &
  EncryptionTables &
  StripeTables &
  InboundTables &
  CaseWorkTables &
  AnalyticsTables &
  MessageTrackingTables &
  SettingsTables &
  TemplateVersionsTables;

export type CustomerRow = Selectable<CustomersTable>;
export type PaymentMethodRow = Selectable<PaymentMethodsTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type CaseRow = Selectable<CasesTable>;
export type StepRow = Selectable<ScheduledStepsTable>;
export type AttemptRow = Selectable<PaymentAttemptsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type TimelineRow = Selectable<TimelineEventsTable>;
export type PolicyVersionRow = Selectable<PolicyVersionsTable>;
export type NewTimelineEvent = Insertable<TimelineEventsTable>;
