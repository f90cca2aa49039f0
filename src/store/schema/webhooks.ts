import type { Generated, Insertable, Selectable } from 'kysely';

// Outbound webhooks: subscriptions, the transactional outbox and deliveries.

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  event_types: string; // JSON array of event types; `*` matches every type and `case.*` every `case.` type
  secret: string; // signs every delivery; shown once when the subscription is created, never logged
  description: string | null;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface OutboxEventsTable {
  seq: Generated<number>; // commit order per case: the order deliveries of one case are made in
  id: string; // evt_…: stable across retries and replays, so receivers deduplicate on it
  type: string;
  case_id: string | null;
  customer_id: string;
  payload: string; // JSON `data` of the event, without contact data
  created_at: number; // engine time of the change the event describes
  fanned_out: number; // 1 once a delivery exists for every subscription that wanted it
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  event_seq: number;
  case_id: string | null; // copied from the event: deliveries of one case to one subscription go in order
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number; // wall-clock ms
  lease_owner: string | null; // the delivering process that claimed it; a pending row with a live lease is in flight
  lease_expires_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

export interface WebhooksTables {
  webhook_subscriptions: WebhookSubscriptionsTable;
  outbox_events: OutboxEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type WebhookSubscriptionRow = Selectable<WebhookSubscriptionsTable>;
export type OutboxEventRow = Selectable<OutboxEventsTable>;
export type NewOutboxEvent = Insertable<OutboxEventsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
