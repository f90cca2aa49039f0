import {
  type WebhookContext,
  type WebhookRequest,
  type WebhookResult,
  DEFAULT_TOLERANCE_SECONDS,
} from './context.ts';
import { WebhookRejectedError } from './errors.ts';
import { genericField, parseGenericEvent } from './generic-events.ts';
import { verifyRecoupSignature } from './recoup-signature.ts';
import { loggingRejections, receiveEvent } from './receive-event.ts';

/**
 * Handles one delivery to the generic inbound webhook (`POST /v1/integrations/inbound/webhook`): verifies the
 * `Recoup-Signature` header over the raw body, validates the event against the contract in generic-contract.ts,
 * and applies it exactly once. Throws WebhookRejectedError, with nothing written, for a missing or bad signature,
 * a timestamp outside the tolerance, a body that breaks the contract, or a change that contradicts Recoup's data.
 */
export function handleGenericWebhook(
  ctx: WebhookContext,
  request: WebhookRequest & { readonly timestamp?: number },
): Promise<WebhookResult> {
  return loggingRejections(ctx, 'generic', async () => {
    if (!ctx.secret)
      throw new WebhookRejectedError(
        'not-configured',
        'RECOUP_INBOUND_WEBHOOK_SECRET is not set on this server',
      );
    const now = request.now ?? ctx.clock.now();
    const toleranceSeconds = ctx.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    verifyRecoupSignature({
      secret: ctx.secret,
      body: request.rawBody,
      header: request.signature,
      timestamp: request.timestamp,
      now,
      toleranceSeconds,
    });
    const event = parseGenericEvent(request.rawBody, now, toleranceSeconds);
    return receiveEvent(ctx, event, now, genericField);
  });
}
