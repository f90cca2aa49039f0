import type { FastifyInstance } from 'fastify';
import { invalid } from './problem.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first key in `value` that could poison a prototype when merged, or null. */
export function forbiddenKeyPath(value: unknown, path: string): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = forbiddenKeyPath(item, `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) return `${path}.${key}`;
    const found = forbiddenKeyPath(item, `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

/**
 * Replaces Fastify's JSON parser so that a bad body is answered with the field at fault: Fastify's own answer to a
 * `__proto__` key is "Body is not valid JSON", which names neither the key nor where it is.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = text as string;
    if (body.trim() === '') return done(invalid('body', 'is empty but content-type is application/json'));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      return done(invalid('body', `is not valid JSON (${(error as Error).message})`));
    }
    const poisoned = forbiddenKeyPath(parsed, 'body');
    if (poisoned) return done(invalid(poisoned, 'is a reserved property name and is not accepted'));
    done(null, parsed);
  });
}
