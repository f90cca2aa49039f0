import Stripe from 'stripe';
import type { StripeApiBase } from './api-base.ts';

/** How to reach Stripe: the secret key, and optionally another API base (a local test server). */
export interface StripeClientOptions {
  readonly secretKey: string;
  readonly apiBase?: StripeApiBase | null;
  /** The SDK's own retries of connection errors and 5xx, always with the same idempotency key. Default 2. */
  readonly maxNetworkRetries?: number;
  /** Per request; a request that times out is an unknown outcome, retried later with the same key. Default 30 s. */
  readonly timeoutMs?: number;
}

/** A Stripe SDK client for the gateway and the sync; the API version is the one the SDK is pinned to. */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiBase;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 30_000,
    telemetry: false,
    appInfo: { name: 'Recoup' },
    ...(base ? { host: base.host, port: base.port, protocol: base.protocol } : {}),
  });
}
