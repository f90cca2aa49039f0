import type { FastifySchemaCompiler } from 'fastify';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { pointerToPath } from '../../domain/validation.ts';
import type { ProblemField } from './problem.ts';

// Two compilers: bodies are checked as sent (a string "12" is not an amount), while query strings and path
// parameters are text by nature and are coerced to the declared type.
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

const strict = makeAjv(false);
const coercing = makeAjv(true);

/** Fastify's schema compiler: strict for bodies, coercing for query strings, params and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

const PARTS: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** Turns Ajv's errors into the fields people read: `body.lines[2].amount: must be integer`. */
export function fieldsFromAjv(context: string, errors: readonly ErrorObject[]): ProblemField[] {
  const part = PARTS[context] ?? context;
  const seen = new Set<string>();
  const fields: ProblemField[] = [];
  for (const e of errors) {
    let pointer = e.instancePath;
    let reason = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      pointer += `/${(e.params as { missingProperty: string }).missingProperty}`;
      reason = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      pointer += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
      reason = 'is not a known field';
    }
    const path = pointer === '' ? part : `${part}.${pointerToPath(pointer)}`.replace('.[', '[');
    if (seen.has(path)) continue;
    seen.add(path);
    fields.push({ field: path, reason });
  }
  return fields;
}
