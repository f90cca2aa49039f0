import { STRIPE_DECLINE_CODES } from '../../domain/declines.ts';
import { DEFAULT_NETWORK_RULES } from '../../domain/network-rules.ts';

export type SandboxOutcome =
  | { status: 'succeeded' }
  | {
      status: 'failed';
      declineCode: string;
      networkDeclineCode: string | null;
      networkAdviceCode: string | null;
      message: string;
    };

const SUCCEEDED: SandboxOutcome = { status: 'succeeded' };

function decline(code: string, network: { decline?: string; advice?: string } = {}): SandboxOutcome {
  const known = Object.hasOwn(STRIPE_DECLINE_CODES, code) ? STRIPE_DECLINE_CODES[code] : undefined;
  if (!known) throw new Error(`sandbox cannot decline with unknown Stripe decline code "${code}"`);
  return {
    status: 'failed',
    declineCode: code,
    networkDeclineCode: network.decline ?? null,
    networkAdviceCode: network.advice ?? null,
    message: `Your card was declined: ${known.description}`,
  };
}

// One token per advice code in the MAC table, paired with a Stripe code that tells the same story:
// a stop or update comes with do_not_honor, a wait with insufficient_funds.
const MASTERCARD_ADVICE_TOKENS = Object.entries(DEFAULT_NETWORK_RULES.mastercardAdvice).map(
  ([mac, advice]) =>
    [
      `tok_mc_advice_${mac}`,
      decline(advice.action === 'wait' ? 'insufficient_funds' : 'do_not_honor', { advice: mac }),
    ] as const,
);

const FIXED_TOKENS: Readonly<Record<string, SandboxOutcome>> = {
  tok_ok: SUCCEEDED,
  tok_insufficient_funds: decline('insufficient_funds'),
  tok_do_not_honor: decline('do_not_honor'),
  tok_expired_card: decline('expired_card'),
  tok_lost_card: decline('lost_card'),
  tok_stolen_card: decline('stolen_card'),
  tok_authentication_required: decline('authentication_required'),
  tok_processing_error: decline('processing_error'),
  tok_transaction_not_allowed: decline('transaction_not_allowed'),
  tok_visa_category1: decline('do_not_honor', { decline: '04' }),
  ...Object.fromEntries(MASTERCARD_ADVICE_TOKENS),
};

const SUCCEEDS_AFTER = /^tok_succeeds_after_(\d+)$/;
// Decline codes contain underscores, so the suffix is matched from the right.
const SIM_UNTIL = /^tok_sim_([a-z_]+)_until_(\d+)$/;
const SIM_NEVER = /^tok_sim_([a-z_]+)_never$/;

/** The deterministic outcome of a charge on a sandbox token, given earlier distinct charges on it and the time. */
export function sandboxOutcome(token: string, earlierCharges: number, now: number): SandboxOutcome {
  if (Object.hasOwn(FIXED_TOKENS, token)) return FIXED_TOKENS[token]!;
  const after = SUCCEEDS_AFTER.exec(token);
  if (after) return earlierCharges >= Number(after[1]) ? SUCCEEDED : decline('insufficient_funds');
  const until = SIM_UNTIL.exec(token);
  if (until) return now >= Number(until[2]) ? SUCCEEDED : decline(until[1]!);
  const never = SIM_NEVER.exec(token);
  if (never) return decline(never[1]!);
  // A token outside the catalogue is a bug in the caller, not a decline the engine should learn to handle.
  throw new Error(
    `unknown sandbox token "${token}": use a named token (tok_ok, tok_insufficient_funds, …), ` +
      'tok_sim_<decline_code>_until_<epochMs> or tok_sim_<decline_code>_never',
  );
}

// Stripe's failure mix as published via Churnkey (see reference/rules-and-figures.md); the 12% it leaves
// unnamed is spread over common codes, mostly soft, so hard declines stay near the published ~21-24%.
export const PUBLISHED_DECLINE_MIX: ReadonlyArray<{ readonly code: string; readonly weight: number }> = [
  { code: 'insufficient_funds', weight: 41 },
  { code: 'transaction_not_allowed', weight: 9 },
  { code: 'highest_risk_level', weight: 8 },
  { code: 'do_not_honor', weight: 8 },
  { code: 'previously_declined', weight: 6 },
  { code: 'generic_decline', weight: 6 },
  { code: 'incorrect_number', weight: 5 },
  { code: 'try_again_later', weight: 4 },
  { code: 'expired_card', weight: 1 },
  { code: 'processing_error', weight: 3 },
  { code: 'card_velocity_exceeded', weight: 2 },
  { code: 'authentication_required', weight: 2 },
  { code: 'withdrawal_count_limit_exceeded', weight: 1 },
  { code: 'issuer_not_available', weight: 1 },
  { code: 'reenter_transaction', weight: 1 },
  { code: 'lost_card', weight: 1 },
  { code: 'stolen_card', weight: 1 },
];
