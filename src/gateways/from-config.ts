import { ConfigError, type RecoupConfig } from '../config/env.ts';
import type { Clock } from '../engine/clock.ts';
import type { PaymentGateway } from './gateway.ts';
import type { SandboxLedger } from './sandbox/ledger.ts';
import { SandboxGateway } from './sandbox/sandbox-gateway.ts';
import { StripeGateway } from './stripe/stripe-gateway.ts';

/** What the sandbox needs besides the configuration; the Stripe gateway needs nothing more. */
export interface GatewayContext {
  readonly clock: Clock;
  /** The sandbox's memory: its database table in production (shared by every worker), memory in tests. */
  readonly ledger: SandboxLedger;
}

/** The gateway RECOUP_GATEWAY names: the sandbox unless it says stripe. */
export function gatewayFromConfig(config: RecoupConfig, context: GatewayContext): PaymentGateway {
  if (config.gateway === 'stripe') {
    // loadConfig already refuses stripe without a key; this guards configurations built in code.
    if (!config.stripeSecretKey) {
      throw new ConfigError('RECOUP_STRIPE_SECRET_KEY: required when RECOUP_GATEWAY is stripe');
    }
    return new StripeGateway({ secretKey: config.stripeSecretKey, apiBase: config.stripeApiBase });
  }
  return new SandboxGateway({ ledger: context.ledger, now: () => context.clock.now() });
}
