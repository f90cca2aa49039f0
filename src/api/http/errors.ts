import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, type Problem } from './problem.ts';
import { fieldsFromAjv } from './validators.ts';

/** Sends a problem document with its own media type. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

// Fastify's own client errors, each named after the part of the request at fault.
const FRAMEWORK_FIELDS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'header.content-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'header.content-length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body',
  FST_ERR_CTP_INVALID_TYPE: 'header.content-type',
};

/** Maps every error to RFC 9457 problem+json: validation errors name their fields, and 5xx reveal nothing. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return sendProblem(reply, error.toProblem());
    if (error.validation) {
      const fields = fieldsFromAjv(error.validationContext ?? 'body', error.validation);
      const first = fields[0]!;
      return sendProblem(
        reply,
        new ApiError(400, 'invalid-request', `${first.field}: ${first.reason}`, fields).toProblem(),
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const field = FRAMEWORK_FIELDS[error.code] ?? (error instanceof SyntaxError ? 'body' : 'request');
      const reason = error.message.replace(/^FST_\w+: /, '');
      return sendProblem(
        reply,
        new ApiError(status, 'invalid-request', `${field}: ${reason}`, [{ field, reason }]).toProblem(),
      );
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(
      reply,
      new ApiError(500, 'internal', 'something went wrong; it has been logged').toProblem(),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new ApiError(404, 'not-found', `no route ${request.method} ${request.url.split('?')[0]}`, [
        { field: 'path', reason: 'no such route' },
      ]).toProblem(),
    ),
  );
}
