import { postWebhook } from '../../webhooks/post.ts';
import { SIGNATURE_HEADER, signWebhook } from '../../webhooks/signature.ts';
import type { Channel, OutboundMessage, SendResult } from '../channel.ts';

/**
 * Posts a step's JSON payload to the URL a policy names, signed `t=<unix>,v1=<hex hmac-sha256 of "t.body">` in
 * `Recoup-Signature` when a secret is configured, with the message's idempotency key so receivers can deduplicate.
 * It goes through the same guarded, pinned request as outbound webhooks: non-public destinations are refused
 * unless `allowPrivate`, and redirects are not followed.
 */
export class WebhookChannel implements Channel {
  readonly name = 'webhook';

  constructor(
    private readonly options: { secret: string | null; allowPrivate: boolean; timeoutMs?: number },
  ) {}

  /** Delivers once; 2xx is sent, 4xx or a refused destination a permanent failure, anything else a temporary one. */
  async send(message: OutboundMessage): Promise<SendResult> {
    const headers: Record<string, string> = { 'idempotency-key': message.idempotencyKey };
    if (this.options.secret) headers[SIGNATURE_HEADER] = signWebhook(this.options.secret, message.text);
    const result = await postWebhook(message.to, message.text, headers, {
      timeoutMs: this.options.timeoutMs ?? 10_000,
      allowPrivate: this.options.allowPrivate,
    });
    if (result.delivered) return { status: 'sent', providerId: `http-${result.statusCode}` };
    // A refused destination will not change by itself: retrying it every half hour would only repeat the refusal.
    if (result.refused) return { status: 'failed', error: result.error ?? 'refused', permanent: true };
    const status = result.statusCode;
    if (status === null) return { status: 'failed', error: result.error ?? 'no answer', permanent: false };
    return {
      status: 'failed',
      error: `HTTP ${status} from ${hostOf(message.to)}`,
      permanent: status >= 400 && status < 500,
    };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the receiver';
  }
}
