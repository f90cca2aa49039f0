import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './problem.ts';

const IN_PROGRESS = 0;

function keyError(reason: string): ApiError {
  return new ApiError(400, 'invalid-request', `header.idempotency-key: ${reason}`, [
    { field: 'header.idempotency-key', reason },
  ]);
}

/**
 * Stripe-style idempotent POSTs: the first request with an `Idempotency-Key` stores its response; a repeat with
 * the same body gets that response again (and `Idempotent-Replayed: true`), a repeat with another body gets 422,
 * and a repeat while the first is still running gets 409. Keys belong to their caller, and 5xx answers are not
 * kept, so a request that failed on our side can be retried with the same key. Retention deletes keys after a day
 * (maintenance/retention.ts), as Stripe does.
 */
export function registerIdempotency(app: FastifyInstance): void {
  app.decorateRequest('idempotency', null);
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = request.headers['idempotency-key'];
    if (key === undefined || !request.principal) return;
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw keyError('expected 1 to 255 characters');
    }
    if (request.routeOptions.config.secretResponse) {
      throw keyError('not accepted here: the response holds a secret that is shown once and never stored');
    }
    const { db } = app.recoup.runtime.database;
    const actor = `${request.principal.kind}:${request.principal.id}`;
    const path = request.url.split('?')[0]!;
    const bodyHash = createHash('sha256')
      .update(`${request.method} ${path}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({
        actor,
        key,
        method: request.method,
        path,
        body_hash: bodyHash,
        status_code: IN_PROGRESS,
        response: '',
        created_at: app.recoup.now(),
      })
      .onConflict((oc) => oc.columns(['actor', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
      request.idempotency = { actor, key };
      return;
    }
    const stored = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('actor', '=', actor)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (stored.body_hash !== bodyHash) {
      throw new ApiError(
        422,
        'idempotency-mismatch',
        'header.idempotency-key: already used with another request',
        [{ field: 'header.idempotency-key', reason: 'already used with another request' }],
      );
    }
    if (stored.status_code === IN_PROGRESS) {
      throw new ApiError(
        409,
        'idempotency-in-progress',
        'header.idempotency-key: the first request is still running',
        [{ field: 'header.idempotency-key', reason: 'the first request is still running' }],
      );
    }
    reply.header('idempotent-replayed', 'true');
    const type = stored.status_code >= 400 ? 'application/problem+json' : 'application/json';
    return reply.code(stored.status_code).type(type).send(stored.response);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    const { db } = app.recoup.runtime.database;
    const where = db
      .updateTable('idempotency_keys')
      .where('actor', '=', claim.actor)
      .where('key', '=', claim.key);
    if (reply.statusCode >= 500) {
      await db
        .deleteFrom('idempotency_keys')
        .where('actor', '=', claim.actor)
        .where('key', '=', claim.key)
        .execute();
    } else {
      await where.set({ status_code: reply.statusCode, response: String(payload ?? '') }).execute();
    }
    return payload;
  });
}
