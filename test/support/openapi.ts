import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** An OpenAPI 3.1 document as /openapi.json serves it (just the parts the tests read). */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, unknown> };
}

/** One operation of the document. */
export interface OpenApiOperation {
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }
  >;
}

/** Every `METHOD /path` the document lists. */
export function operations(doc: OpenApiDocument): { method: string; path: string; op: OpenApiOperation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

/** Validators for request and response schemas of a document, with `#/components/…` references resolved. */
export function schemaValidators(doc: OpenApiDocument) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: 'openapi' } as object);
  const cache = new Map<string, ValidateFunction>();
  const compile = (pointer: string) => {
    let fn = cache.get(pointer);
    if (!fn) {
      fn = ajv.compile({ $ref: `openapi#${pointer}` });
      cache.set(pointer, fn);
    }
    return fn;
  };
  const pointerPart = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  return {
    /** The request body validator of an operation, or null when it takes no JSON body. */
    request(method: string, path: string) {
      const op = doc.paths[path]?.[method.toLowerCase()];
      if (!op?.requestBody?.content['application/json']) return null;
      return compile(
        `/paths/${pointerPart(path)}/${method.toLowerCase()}/requestBody/content/application~1json/schema`,
      );
    },
    /** The validator for one response status and media type, or null when the document does not list it. */
    response(method: string, path: string, status: number, mediaType: string) {
      const response = doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
      if (!response?.content?.[mediaType]) return null;
      return compile(
        `/paths/${pointerPart(path)}/${method.toLowerCase()}/responses/${status}/content/${pointerPart(mediaType)}/schema`,
      );
    },
  };
}
