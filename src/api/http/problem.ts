import { InputError } from '../../domain/input-error.ts';
import type { FieldError } from '../../domain/validation.ts';

/** One field an error names: `body.total`, `query.limit`, `header.idempotency-key`. */
export interface ProblemField {
  readonly field: string;
  readonly reason: string;
}

/** An RFC 9457 problem document as the API sends it, with the fields at fault. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors: readonly ProblemField[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** An error a handler throws to answer with a problem document instead of a 500. */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: readonly ProblemField[];
  readonly slug: string;

  constructor(status: number, slug: string, detail: string, errors: readonly ProblemField[] = []) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.errors = errors;
  }

  /** The problem document this error answers with. */
  toProblem(): Problem {
    return {
      type: `https://recoup.dev/problems/${this.slug}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      errors: this.errors,
    };
  }
}

/** 400 for input that breaks a rule the schema cannot express (e.g. a due date before the issue date). */
export function invalid(field: string, reason: string): ApiError {
  return new ApiError(400, 'invalid-request', `${field}: ${reason}`, [{ field, reason }]);
}

/** 400 from the domain's validation errors, each under the request part it came from. */
export function invalidFields(part: 'body' | 'query', errors: readonly FieldError[]): ApiError {
  const fields = errors.map((e) => ({ field: `${part}.${e.path}`, reason: e.message }));
  const first = fields[0] ?? { field: part, reason: 'is invalid' };
  return new ApiError(400, 'invalid-request', `${first.field}: ${first.reason}`, fields);
}

/** 404 naming the object that is not there (or not visible to the caller). */
export function notFound(kind: string, id: string): ApiError {
  return new ApiError(404, 'not-found', `no ${kind} with id '${id}'`, [
    { field: 'path.id', reason: 'not found' },
  ]);
}

/** 409 for a request that is valid but conflicts with the object's state (paying a voided invoice). */
export function conflict(field: string, reason: string): ApiError {
  return new ApiError(409, 'conflict', `${field}: ${reason}`, [{ field, reason }]);
}

const INPUT_SLUGS = { 400: 'invalid-request', 404: 'not-found', 409: 'conflict' } as const;

/**
 * Rethrows a service's InputError as the problem it answers, naming `path.id` when the object itself is at fault
 * and `body.<field>` otherwise; any other error goes on to the error handler. For `.catch(asProblem)`.
 */
export function asProblem(error: unknown): never {
  if (!(error instanceof InputError)) throw error;
  const field = error.field === 'id' ? 'path.id' : `body.${error.field}`;
  throw new ApiError(error.status, INPUT_SLUGS[error.status], `${field}: ${error.reason}`, [
    { field, reason: error.reason },
  ]);
}
