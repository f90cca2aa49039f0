import type { FastifyInstance, FastifyRequest } from 'fastify';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Names the object a request acted on, for its audit-log entry. */
export function audited(request: FastifyRequest, type: string, id: string): void {
  request.auditObject = { type, id };
}

/**
 * Appends one audit-log row per mutating request, refused ones included: who (a user, an API key, a signed
 * webhook, or an anonymous address), what, when, which object, and how it ended. The table refuses updates and
 * deletes (see migration 002).
 */
export function registerAuditLog(app: FastifyInstance): void {
  app.decorateRequest('auditObject', null);
  // Written before the answer leaves, so a caller that reads the log right after its change finds the entry.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!MUTATING.has(request.method)) return payload;
    const access = request.routeOptions.config.access;
    const principal = request.principal;
    const params = request.params as Record<string, string> | undefined;
    await app.recoup.runtime.database.db
      .insertInto('audit_log')
      .values({
        at: app.recoup.now(),
        actor_type: principal ? principal.kind : access === 'signed' ? 'webhook' : 'anonymous',
        actor_id: principal ? principal.id : request.ip,
        method: request.method,
        route: request.routeOptions.url ?? request.url.split('?')[0]!,
        object_type: request.auditObject?.type ?? null,
        object_id: request.auditObject?.id ?? params?.['id'] ?? null,
        status_code: reply.statusCode,
        request_id: request.id,
        ip: request.ip,
      })
      .execute();
    return payload;
  });
}
