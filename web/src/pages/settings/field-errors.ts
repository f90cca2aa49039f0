import { ApiProblem } from '../../api/client.ts';

/** The server's reason for one body field of a failed request, shown under that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiProblem ? error.reasonFor(`body.${field}`) : undefined;
}

/** A failure no single field explains, in words; undefined when a field already shows it. */
export function formError(error: unknown, fields: readonly string[]): string | undefined {
  if (!error) return undefined;
  if (error instanceof ApiProblem && fields.some((f) => error.reasonFor(`body.${f}`))) return undefined;
  if (error instanceof ApiProblem && error.status === 403)
    return 'Your role does not allow this. Ask an admin.';
  return (error as Error).message;
}
