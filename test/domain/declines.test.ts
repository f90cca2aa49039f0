import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyDecline, STRIPE_DECLINE_CODES } from '../../src/domain/declines.ts';
import { DEFAULT_NETWORK_RULES, type NetworkRules } from '../../src/domain/network-rules.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Stripe's Smart Retries never retries these (quoted in reference/rules-and-figures.md).
const STRIPE_NO_RETRY = [
  'incorrect_number',
  'lost_card',
  'pickup_card',
  'stolen_card',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'authentication_required',
  'highest_risk_level',
  'transaction_not_allowed',
];

const VISA_CATEGORY_1 = ['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'R1', 'R3'];

describe('Stripe decline code table', () => {
  it('covers every card decline code on Stripe’s page', () => {
    const documented = [
      'approve_with_id',
      'authentication_not_handled',
      'authentication_required',
      'call_issuer',
      'card_not_supported',
      'card_velocity_exceeded',
      'currency_not_supported',
      'do_not_honor',
      'do_not_try_again',
      'duplicate_transaction',
      'expired_card',
      'fraudulent',
      'generic_decline',
      'incorrect_address',
      'incorrect_cvc',
      'incorrect_number',
      'incorrect_pin',
      'incorrect_zip',
      'insufficient_funds',
      'invalid_account',
      'invalid_amount',
      'invalid_cvc',
      'invalid_expiry_month',
      'invalid_expiry_year',
      'invalid_number',
      'invalid_pin',
      'issuer_not_available',
      'lost_card',
      'merchant_blacklist',
      'mobile_device_authentication_required',
      'new_account_information_available',
      'no_action_taken',
      'not_permitted',
      'offline_pin_required',
      'online_or_offline_pin_required',
      'pickup_card',
      'pin_try_exceeded',
      'processing_error',
      'reenter_transaction',
      'restricted_card',
      'revocation_of_all_authorizations',
      'revocation_of_authorization',
      'security_violation',
      'service_not_allowed',
      'stolen_card',
      'stop_payment_order',
      'testmode_decline',
      'transaction_not_allowed',
      'try_again_later',
      'withdrawal_count_limit_exceeded',
      'highest_risk_level',
      'previously_declined',
      'card_declined',
    ];
    for (const code of documented) expect(Object.keys(STRIPE_DECLINE_CODES)).toContain(code);
  });

  it.each(STRIPE_NO_RETRY)('never treats %s as soft', (code) => {
    expect(STRIPE_DECLINE_CODES[code]?.class).not.toBe('soft');
    expect(classifyDecline({ code }).class).not.toBe('soft');
  });

  it('asks the customer to act on authentication, expiry, CVC and new account details', () => {
    for (const code of [
      'authentication_required',
      'expired_card',
      'incorrect_cvc',
      'new_account_information_available',
    ]) {
      const verdict = classifyDecline({ code });
      expect(verdict.class, code).toBe('action_required');
      expect(verdict.stopMethod, code).toBe(false);
    }
  });

  it('treats the rest of the no-retry list as hard and stops the method', () => {
    for (const code of STRIPE_NO_RETRY.filter((c) => c !== 'authentication_required')) {
      expect(classifyDecline({ code }), code).toMatchObject({ class: 'hard', stopMethod: true });
    }
  });

  it('retries insufficient funds and processing errors', () => {
    for (const code of ['insufficient_funds', 'processing_error']) {
      expect(classifyDecline({ code }), code).toEqual({
        class: 'soft',
        stopMethod: false,
        retryAfterMs: null,
        rule: `stripe decline code ${code} is soft`,
      });
    }
  });

  it('treats an unknown code as soft and says so', () => {
    const verdict = classifyDecline({ code: 'brand_new_code' });
    expect(verdict).toMatchObject({ class: 'soft', stopMethod: false, retryAfterMs: null });
    expect(verdict.rule).toContain('unknown');
    expect(verdict.rule).toContain('brand_new_code');
  });

  it('does not mistake inherited object keys for codes', () => {
    expect(classifyDecline({ code: 'constructor' }).rule).toContain('unknown');
  });
});

describe('Visa category 1', () => {
  it.each(VISA_CATEGORY_1)('network code %s stops the method even after a soft Stripe code', (network) => {
    const verdict = classifyDecline({
      code: 'insufficient_funds',
      networkDeclineCode: network,
      brand: 'visa',
    });
    expect(verdict).toMatchObject({ class: 'hard', stopMethod: true });
    expect(verdict.rule).toContain('Visa category 1');
  });

  it('applies when the brand is not known, and to lower-case codes', () => {
    expect(classifyDecline({ code: 'do_not_honor', networkDeclineCode: 'r0' }).stopMethod).toBe(true);
  });

  it('leaves category 2-4 codes retryable', () => {
    for (const network of ['51', '61', '65', '91', '96', '05']) {
      expect(
        classifyDecline({ code: 'insufficient_funds', networkDeclineCode: network, brand: 'visa' }).class,
      ).toBe('soft');
    }
  });

  it('is Visa’s rule, not another network’s', () => {
    expect(classifyDecline({ code: 'do_not_honor', networkDeclineCode: '57', brand: 'amex' }).class).toBe(
      'soft',
    );
  });
});

describe('Mastercard advice codes', () => {
  it.each(['03', '21'])('MAC %s stops the method', (mac) => {
    const verdict = classifyDecline({
      code: 'insufficient_funds',
      networkAdviceCode: mac,
      brand: 'mastercard',
    });
    expect(verdict).toMatchObject({ class: 'hard', stopMethod: true, retryAfterMs: null });
    expect(verdict.rule).toContain(`Mastercard advice code ${mac}`);
  });

  it.each([
    ['24', HOUR],
    ['25', DAY],
    ['26', 2 * DAY],
    ['27', 4 * DAY],
    ['28', 6 * DAY],
    ['29', 8 * DAY],
    ['30', 10 * DAY],
    ['02', 72 * HOUR],
  ])('MAC %s waits %d ms', (mac, wait) => {
    const verdict = classifyDecline({ code: 'insufficient_funds', networkAdviceCode: mac });
    expect(verdict).toMatchObject({ class: 'soft', stopMethod: false, retryAfterMs: wait });
    expect(verdict.rule).toContain(`Mastercard advice code ${mac}`);
  });

  it('MAC 01 asks for the new account details', () => {
    expect(classifyDecline({ code: 'do_not_honor', networkAdviceCode: '01' })).toMatchObject({
      class: 'action_required',
      stopMethod: false,
    });
  });

  it('accepts a single-digit advice code', () => {
    expect(classifyDecline({ code: 'do_not_honor', networkAdviceCode: '3' }).stopMethod).toBe(true);
  });

  it('never lets a wait soften a hard Stripe code', () => {
    expect(classifyDecline({ code: 'stolen_card', networkAdviceCode: '24' })).toMatchObject({
      class: 'hard',
      stopMethod: true,
    });
  });

  it('reads the rules it is given, so operators can change the defaults', () => {
    const rules: NetworkRules = {
      ...DEFAULT_NETWORK_RULES,
      mastercardAdvice: {
        ...DEFAULT_NETWORK_RULES.mastercardAdvice,
        '24': { action: 'wait', retryAfterMs: 5, meaning: 'soon' },
      },
    };
    expect(classifyDecline({ code: 'insufficient_funds', networkAdviceCode: '24' }, rules).retryAfterMs).toBe(
      5,
    );
  });
});

describe('every verdict', () => {
  it('stops the method whenever the class is hard', () => {
    const codes = [...Object.keys(STRIPE_DECLINE_CODES), 'unknown_code'];
    const networks = [null, ...VISA_CATEGORY_1, '51', '05'];
    const advice = [null, ...Object.keys(DEFAULT_NETWORK_RULES.mastercardAdvice), '04', '99'];
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.constantFrom(...networks),
        fc.constantFrom(...advice),
        fc.constantFrom(null, 'visa', 'mastercard', 'amex'),
        (code, networkDeclineCode, networkAdviceCode, brand) => {
          const verdict = classifyDecline({ code, networkDeclineCode, networkAdviceCode, brand });
          if (verdict.class === 'hard') expect(verdict.stopMethod).toBe(true);
          if (verdict.stopMethod) expect(verdict.class).toBe('hard');
          expect(verdict.rule.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('gateway errors that reach the engine as declines', () => {
  it('never retries a payment method the gateway no longer has', () => {
    expect(classifyDecline({ code: 'resource_missing' })).toMatchObject({ class: 'hard', stopMethod: true });
  });
});
