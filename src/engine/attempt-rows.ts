import type { AttemptRow } from '../store/tables.ts';
import { newId } from './ids.ts';

/** What every attempt states when it is made: whose charge, on which card, for how much, under which key. */
export type AttemptStart = Pick<
  AttemptRow,
  | 'case_id'
  | 'step_id'
  | 'payment_method_id'
  | 'amount'
  | 'currency'
  | 'idempotency_key'
  | 'status'
  | 'created_at'
  | 'source'
  | 'invoice_id'
>;

/** A new attempt row with no outcome recorded yet: Recoup's intent, or a billing system's charge before its decline. */
export function newAttemptRow(start: AttemptStart): AttemptRow {
  return {
    id: newId('att'),
    charge_id: null,
    decline_code: null,
    decline_class: null,
    network_decline_code: null,
    network_advice_code: null,
    stop_method: 0,
    retry_after_ms: null,
    completed_at: null,
    ...start,
  };
}
