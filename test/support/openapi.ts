import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

export const OPENAPI_PATH = 'openapi/vigil-api.yaml';

export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema: { $ref: string } }> }> }>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> };
  [key: string]: unknown;
}

/** The API document as a plain object (the `Fn::Sub` values are data here). */
export function loadOpenApi(path = OPENAPI_PATH): OpenApiDocument {
  return parse(readFileSync(path, 'utf8')) as OpenApiDocument;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates a response against what the document says the operation answers with that
 * status: ajv over the document's own component schemas (OpenAPI 3.0 schemas are JSON
 * Schema draft-07 plus a few keywords ajv is told to ignore).
 */
export function openApiValidator(doc: OpenApiDocument = loadOpenApi()) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => ISO_DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addSchema({ $id: 'vigil-api', components: { schemas: doc.components.schemas } });
  const compiled = new Map<string, ValidateFunction>();
  const schemaFor = (ref: string) => {
    let fn = compiled.get(ref);
    if (!fn) {
      fn = ajv.compile({ $ref: `vigil-api${ref}` });
      compiled.set(ref, fn);
    }
    return fn;
  };

  /** Problems with `body` as the answer of `method path` with `status` and `contentType`; empty when it conforms. */
  function check(method: string, path: string, status: number, contentType: string, body: unknown): string[] {
    const operation = doc.paths[path]?.[method.toLowerCase()];
    if (!operation) return [`the document has no operation ${method} ${path}`];
    let response = operation.responses[String(status)];
    if (!response) return [`${method} ${path} does not declare status ${status}`];
    if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()!]!;
    const media = contentType.split(';')[0]!.trim();
    const schema = response.content?.[media]?.schema;
    if (!schema) return [`${method} ${path} ${status} declares no ${media} body`];
    const validate = schemaFor(schema.$ref);
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }
  return { check };
}
