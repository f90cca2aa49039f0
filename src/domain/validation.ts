import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** One problem with an input: where (`steps[2].offset`) and why. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Turns a JSON pointer ("/steps/2/offset") into the path people read ("steps[2].offset"). */
export function pointerToPath(pointer: string, prefix = ''): string {
  let out = prefix;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out === '' ? '(root)' : out;
}

/** Checks `value` against a TypeBox schema and reports every error once per path, first reason first. */
export function validate<S extends TSchema>(schema: S, value: unknown, prefix = ''): Validated<Static<S>> {
  if (Value.Check(schema, value)) return { ok: true, value: value as Static<S> };
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const e of Value.Errors(schema, value)) {
    const path = pointerToPath(e.path, prefix);
    if (seen.has(path)) continue;
    seen.add(path);
    errors.push({ path, message: describe(e.message, e.value, e.schema) });
  }
  return { ok: false, errors };
}

function describe(message: string, value: unknown, schema: TSchema): string {
  if (value === undefined) return 'is required';
  const extra = schema['description'] ? ` (${schema['description']})` : '';
  return `${message.replace(/^Expected/, 'expected')}${extra}`;
}

/** Formats errors one per line, as the CLI prints them. */
export function formatErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('\n');
}
