import {
  DEFAULT_NETWORK_RULES,
  type NetworkRules,
  normalizeAdviceCode,
  normalizeNetworkDeclineCode,
} from './network-rules.ts';

export type DeclineClass = 'soft' | 'hard' | 'action_required';

export interface DeclineInput {
  code: string;
  networkDeclineCode?: string | null;
  networkAdviceCode?: string | null;
  brand?: string | null;
}

export interface DeclineVerdict {
  class: DeclineClass;
  /** Never charge this payment method again. */
  stopMethod: boolean;
  /** Earliest wait before the next try of this method; null when the network sets none. */
  retryAfterMs: number | null;
  /** Why, in words fit for the case timeline. */
  rule: string;
}

type Entry = { readonly class: DeclineClass; readonly description: string };

const soft = (description: string): Entry => ({ class: 'soft', description });
const hard = (description: string): Entry => ({ class: 'hard', description });
const act = (description: string): Entry => ({ class: 'action_required', description });

// Every Stripe card decline code (docs.stripe.com/declines/codes) plus the Radar outcome codes that reach
// dunning as declines. The class is Recoup's default; Stripe's own no-retry list is never soft.
export const STRIPE_DECLINE_CODES: Readonly<Record<string, Entry>> = {
  approve_with_id: soft('The payment could not be authorised; a later attempt may pass.'),
  authentication_not_handled: act('Authentication was required but the payment went ahead without it.'),
  authentication_required: act('The issuer requires authentication (such as 3D Secure) from the customer.'),
  call_issuer: soft('Declined for an unknown reason; the customer may need to call their bank.'),
  card_declined: soft('The card was declined without a more specific reason.'),
  card_not_supported: hard('The card does not support this type of purchase.'),
  card_velocity_exceeded: soft('The balance, credit or transaction limit on the card was exceeded.'),
  currency_not_supported: hard('The card does not support this currency.'),
  do_not_honor: soft('The issuer declined for an unknown reason.'),
  do_not_try_again: hard('The issuer asked not to try this card again.'),
  duplicate_transaction: soft('An identical payment was submitted very recently.'),
  expired_card: act('The card has expired.'),
  fraudulent: hard('Declined because the payment is suspected to be fraudulent.'),
  generic_decline: soft('Declined for an unknown reason, or blocked by Radar.'),
  highest_risk_level: hard('Radar blocked the payment as highest risk.'),
  incorrect_address: act('The billing address is incorrect.'),
  incorrect_cvc: act('The CVC is incorrect.'),
  incorrect_number: hard('The card number is incorrect.'),
  incorrect_pin: act('The PIN is incorrect.'),
  incorrect_zip: act('The postal code is incorrect.'),
  insufficient_funds: soft('The account has insufficient funds.'),
  invalid_account: hard('The card, or the account behind it, is invalid.'),
  // The amount may exceed a limit the customer can raise with their bank; retrying unchanged will not help.
  invalid_amount: act('The amount is invalid or above what the card allows.'),
  invalid_cvc: act('The CVC is incorrect.'),
  invalid_expiry_month: act('The expiry month is invalid.'),
  invalid_expiry_year: act('The expiry year is invalid.'),
  invalid_number: hard('The card number is incorrect.'),
  invalid_pin: act('The PIN is incorrect.'),
  issuer_not_available: soft('The issuer could not be reached.'),
  lost_card: hard('The card is reported lost.'),
  merchant_blacklist: hard('The payment matches an entry on the merchant block list.'),
  mobile_device_authentication_required: act('The customer must authenticate on their mobile device.'),
  new_account_information_available: act('The card has new account details; update the card.'),
  no_action_taken: soft('Declined for an unknown reason.'),
  not_permitted: hard('The payment is not permitted for this card.'),
  offline_pin_required: act('The card requires a PIN.'),
  online_or_offline_pin_required: act('The card requires a PIN.'),
  pickup_card: hard('The card cannot be used; it may be reported lost or stolen.'),
  pin_try_exceeded: act('The allowed number of PIN tries was exceeded.'),
  previously_declined: soft('Declined because earlier attempts on this card were declined.'),
  processing_error: soft('An error occurred while processing the card.'),
  reenter_transaction: soft('The issuer could not process the payment; it can be tried again.'),
  restricted_card: hard('The card is restricted; it may be reported lost or stolen.'),
  revocation_of_all_authorizations: hard('The cardholder revoked all recurring authorisations.'),
  revocation_of_authorization: hard('The cardholder revoked this recurring authorisation.'),
  security_violation: hard('Declined for a security violation.'),
  service_not_allowed: hard('The card does not allow this service.'),
  stolen_card: hard('The card is reported stolen.'),
  stop_payment_order: hard('The cardholder placed a stop-payment order.'),
  // A test card in live mode can never succeed.
  testmode_decline: hard('A test card was used.'),
  transaction_not_allowed: hard('The issuer does not allow this kind of payment on the card.'),
  try_again_later: soft('Declined for now; a later attempt may pass.'),
  withdrawal_count_limit_exceeded: soft('The card has exceeded its withdrawal count or credit limit.'),
  // Not a card decline but an API error the Stripe gateway passes on: the method was detached or deleted, so
  // trying it again can only fail.
  resource_missing: hard('The payment method no longer exists at the gateway (detached or deleted).'),
};

/** Classifies a decline; the networks' own codes overrule Stripe's table because their fines follow them. */
export function classifyDecline(
  input: DeclineInput,
  rules: NetworkRules = DEFAULT_NETWORK_RULES,
): DeclineVerdict {
  const network = input.networkDeclineCode ? normalizeNetworkDeclineCode(input.networkDeclineCode) : null;
  if (network !== null && mayBeVisa(input.brand) && rules.visaCategory1.has(network)) {
    return stop(`Visa category 1 decline (network code ${network}): the issuer will never approve`);
  }
  const mac = input.networkAdviceCode ? normalizeAdviceCode(input.networkAdviceCode) : null;
  const advice =
    mac !== null && Object.hasOwn(rules.mastercardAdvice, mac) ? rules.mastercardAdvice[mac] : undefined;
  if (advice?.action === 'stop') return stop(`Mastercard advice code ${mac}: ${advice.meaning}`);
  const base = stripeVerdict(input.code);
  if (base.class === 'hard' || mac === null) return base;
  if (advice === undefined) return { ...base, rule: `${base.rule}; unknown advice code ${mac} ignored` };
  const rule = `${base.rule}; Mastercard advice code ${mac}: ${advice.meaning}`;
  if (advice.action === 'update') {
    return { class: 'action_required', stopMethod: false, retryAfterMs: null, rule };
  }
  return { ...base, retryAfterMs: advice.retryAfterMs, rule };
}

function stripeVerdict(code: string): DeclineVerdict {
  if (!Object.hasOwn(STRIPE_DECLINE_CODES, code)) {
    return {
      class: 'soft',
      stopMethod: false,
      retryAfterMs: null,
      rule: `stripe decline code ${code} is unknown; treated as soft`,
    };
  }
  const cls = STRIPE_DECLINE_CODES[code]!.class;
  return {
    class: cls,
    stopMethod: cls === 'hard',
    retryAfterMs: null,
    rule: `stripe decline code ${code} is ${cls}`,
  };
}

function stop(rule: string): DeclineVerdict {
  return { class: 'hard', stopMethod: true, retryAfterMs: null, rule };
}

// Category 1 is Visa's programme; other networks reuse the ISO numbers without Visa's reattempt fines.
// An unknown brand gets the Visa rule because stopping wrongly costs one card, retrying wrongly costs fines.
function mayBeVisa(brand: string | null | undefined): boolean {
  return !brand || brand.toLowerCase() === 'unknown' || brand.toLowerCase() === 'visa';
}
