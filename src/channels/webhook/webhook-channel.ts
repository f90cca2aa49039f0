import { createHmac } from 'node:crypto';
import type { Channel, OutboundMessage, SendResult } from '../channel.ts';

/**
 * Posts a step's JSON payload to the URL a policy names, signed `t=<unix>,v1=<hex hmac-sha256 of "t.body">` in
 * `Recoup-Signature` when a secret is configured, with the message's idempotency key so receivers can deduplicate.
 */
export class WebhookChannel implements Channel {
  readonly name = 'webhook';

  constructor(private readonly options: { secret: string | null; timeoutMs?: number }) {}

  /** Delivers once; 2xx is sent, 4xx a permanent failure, anything else a temporary one. */
  async send(message: OutboundMessage): Promise<SendResult> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': message.idempotencyKey,
    };
    if (this.options.secret) {
      const t = Math.floor(Date.now() / 1000);
      const v1 = createHmac('sha256', this.options.secret).update(`${t}.${message.text}`).digest('hex');
      headers['recoup-signature'] = `t=${t},v1=${v1}`;
    }
    try {
      const response = await fetch(message.to, {
        method: 'POST',
        headers,
        body: message.text,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      if (response.ok) return { status: 'sent', providerId: `http-${response.status}` };
      return {
        status: 'failed',
        error: `HTTP ${response.status} from ${new URL(message.to).host}`,
        permanent: response.status >= 400 && response.status < 500,
      };
    } catch (error) {
      return { status: 'failed', error: (error as Error).message, permanent: false };
    }
  }
}
