import Stripe from 'stripe';

/** The test clock asked for is not in the Stripe account (a typo, another account, or deleted). */
export class TestClockNotFoundError extends Error {
  constructor(readonly clockId: string) {
    super(`Stripe has no test clock ${clockId}`);
  }
}

/**
 * A Stripe test clock's time (`frozen_time`, in epoch seconds on Stripe) as epoch milliseconds: what a worker
 * rehearsing a policy in test mode takes as "now".
 */
export async function readTestClock(stripe: Stripe, id: string): Promise<number> {
  try {
    const clock = await stripe.testHelpers.testClocks.retrieve(id);
    return clock.frozen_time * 1000;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404)
      throw new TestClockNotFoundError(id);
    throw error;
  }
}
