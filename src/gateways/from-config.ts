import { ConfigError, type RecoupConfig } from '../config/env.ts';
import type { Clock } from '../engine/clock.ts';
import type { PaymentGateway } from './gateway.ts';
import type { SandboxLedger } from './sandbox/ledger.ts';
import { SandboxGateway } from './sandbox/sandbox-gateway.ts';

/** What the sandbox needs besides the configuration; the Stripe gateway needs nothing more. */
export interface GatewayContext {
  readonly clock: Clock;
  /** The sandbox's memory: its database table in production (shared by every worker), memory in tests. */
  readonly ledger: SandboxLedger;
}

/**
 * The gateway RECOUP_GATEWAY names: the sandbox unless it says stripe. The Stripe SDK (a fifth of every command's
 * start-up) is loaded only when it is the one configured.
 */
export async function gatewayFromConfig(
  config: RecoupConfig,
  context: GatewayContext,
): Promise<PaymentGateway> {
  if (config.gateway === 'stripe') {
    // loadConfig already refuses stripe without a key; this guards configurations built in code.
    if (!config.stripeSecretKey) {
      throw new ConfigError('RECOUP_STRIPE_SECRET_KEY: required when RECOUP_GATEWAY is stripe');
    }
    const { StripeGateway } = await import('./stripe/stripe-gateway.ts');
    return new StripeGateway({ secretKey: config.stripeSecretKey, apiBase: config.stripeApiBase });
  }
  return new SandboxGateway({ ledger: context.ledger, now: () => context.clock.now() });
}
