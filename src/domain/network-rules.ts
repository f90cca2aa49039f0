// Card network retry rules kept as data: networks change them (Visa's cap moved from 15 to 20 in 2025),
// so the engine reads them from here and an operator can swap in their own set.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What a Mastercard Merchant Advice Code tells the merchant to do with this card. */
export type MastercardAdvice =
  | { readonly action: 'stop'; readonly meaning: string }
  | { readonly action: 'update'; readonly meaning: string }
  | { readonly action: 'wait'; readonly retryAfterMs: number; readonly meaning: string };

export interface NetworkRules {
  /** Visa category 1 ISO response codes: the issuer will never approve, and every reattempt is fined. */
  readonly visaCategory1: ReadonlySet<string>;
  /** Mastercard Merchant Advice Codes keyed by their two-digit string. */
  readonly mastercardAdvice: Readonly<Record<string, MastercardAdvice>>;
}

export const DEFAULT_NETWORK_RULES: NetworkRules = {
  visaCategory1: new Set(['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'R1', 'R3']),
  mastercardAdvice: {
    '01': { action: 'update', meaning: 'new account information available' },
    // Mastercard gives no figure for 02; acquirers advise about 72 hours.
    '02': { action: 'wait', retryAfterMs: 72 * HOUR_MS, meaning: 'cannot approve now, try again later' },
    '03': { action: 'stop', meaning: 'do not try again' },
    '21': { action: 'stop', meaning: 'cardholder cancelled recurring payments' },
    '24': { action: 'wait', retryAfterMs: HOUR_MS, meaning: 'retry after 1 hour' },
    '25': { action: 'wait', retryAfterMs: DAY_MS, meaning: 'retry after 24 hours' },
    '26': { action: 'wait', retryAfterMs: 2 * DAY_MS, meaning: 'retry after 2 days' },
    '27': { action: 'wait', retryAfterMs: 4 * DAY_MS, meaning: 'retry after 4 days' },
    '28': { action: 'wait', retryAfterMs: 6 * DAY_MS, meaning: 'retry after 6 days' },
    '29': { action: 'wait', retryAfterMs: 8 * DAY_MS, meaning: 'retry after 8 days' },
    '30': { action: 'wait', retryAfterMs: 10 * DAY_MS, meaning: 'retry after 10 days' },
  },
};

/**
 * The card networks' reattempt cap: Visa fines reattempts past 15 per card in 30 days (20 since May 2025; 15 is
 * safe under both). A policy may allow more only by saying so (`allowAboveNetworkLimits: true`).
 */
export const NETWORK_REATTEMPT_CAP = { attempts: 15, windowDays: 30 } as const;

/** The most attempts per method that retry limits allow within one of the networks' windows (30 days). */
export function attemptsPerNetworkWindow(limits: {
  maxAttemptsPerMethod: number;
  windowDays: number;
}): number {
  return limits.maxAttemptsPerMethod * Math.ceil(NETWORK_REATTEMPT_CAP.windowDays / limits.windowDays);
}

/** Canonical form of a network decline code ("r0 " → "R0") so lookups do not depend on the gateway's casing. */
export function normalizeNetworkDeclineCode(code: string): string {
  return code.trim().toUpperCase();
}

/** Canonical two-digit form of an advice code: gateways send "3" as well as "03". */
export function normalizeAdviceCode(code: string): string {
  const trimmed = code.trim();
  return /^\d$/.test(trimmed) ? `0${trimmed}` : trimmed;
}
