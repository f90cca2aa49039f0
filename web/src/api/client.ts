import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.ts';

export type Problem = components['schemas']['Problem'];

/** A failed API call: the problem document the server answered with, or a network failure. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly errors: readonly { field: string; reason: string }[];

  constructor(status: number, detail: string, errors: readonly { field: string; reason: string }[] = []) {
    super(detail);
    this.status = status;
    this.errors = errors;
  }

  /** The reason the server gave for one field, e.g. `body.steps[1].offset`. */
  reasonFor(field: string): string | undefined {
    return this.errors.find((e) => e.field === field || e.field.startsWith(`${field}.`))?.reason;
  }
}

let csrfToken = '';

/** Remembers the session's CSRF token; every changing request sends it. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

/** The typed `/v1` client: paths, parameters and replies come from the API's own OpenAPI document. */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/** Unwraps an openapi-fetch result: the data, or an `ApiProblem` carrying the server's field errors. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch {
    throw new ApiProblem(0, 'Recoup could not be reached. Check that `recoup start` is running, then retry.');
  }
  if (result.error !== undefined || !result.response.ok) {
    const problem = result.error as Partial<Problem> | undefined;
    throw new ApiProblem(
      result.response.status,
      problem?.detail ?? `the server answered ${result.response.status}`,
      problem?.errors ?? [],
    );
  }
  return result.data as T;
}
