import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Judges real HTTP answers by an OpenAPI 3.0 document: which operation a
 * request reached, whether the answer's status and Content-Type are
 * documented for it, and whether its body validates against that content's
 * schema. Everything it expects comes from the document.
 */

export type Schema = Record<string, unknown>;

export interface MediaType {
  schema?: Schema;
}

export interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, unknown>;
}

export interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject | { $ref: string }>;
  [key: string]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; responses?: Record<string, ResponseObject> };
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

/** OpenAPI keywords that are annotations, not assertions: JSON Schema (and ajv's strict mode) does not know them. */
const ANNOTATIONS = ['example', 'xml', 'externalDocs', 'discriminator', 'deprecated'];

/** Where the converted `components.schemas` are registered with ajv (as `definitions`); references are rewritten to point there. */
const DOCUMENT_ID = 'urn:openapi:components';
const SCHEMA_REF = /^#\/components\/schemas\/([^/]+)$/;

/**
 * One OpenAPI 3.0 Schema Object as JSON Schema (draft-07, as ajv reads it):
 * - `nullable: true` allows `null` (added to `type` and to any `enum`; a
 *   schema without `type`, such as a bare `$ref` or `allOf`, becomes
 *   `anyOf: [schema, {type: 'null'}]`);
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form;
 * - `$ref: '#/components/schemas/X'` points to the registered components;
 * - annotation-only keywords (`example`, `xml`, ...) are dropped.
 * Nested schemas (properties, items, allOf/anyOf/oneOf, not, additionalProperties) are converted too.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Schema;
  if (typeof source.$ref === 'string') {
    // In 3.0 a $ref's siblings are ignored: the reference is the whole schema.
    const name = SCHEMA_REF.exec(source.$ref)?.[1];
    if (name === undefined) throw new Error(`cannot follow $ref ${source.$ref}: only #/components/schemas/... is supported`);
    return { $ref: `${DOCUMENT_ID}#/definitions/${name}` };
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (ANNOTATIONS.includes(key) || key === 'nullable') continue;
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, toJsonSchema(property)]));
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'].includes(key)) {
      out[key] = toJsonSchema(value);
    } else if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') {
      const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
      if (value && typeof source[bound] === 'number') out[key] = source[bound];
    } else if ((key === 'minimum' || key === 'maximum') && source[key === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'] === true) {
      continue;
    } else {
      out[key] = value;
    }
  }
  if (source.nullable !== true) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  if (Array.isArray(out.type)) return out.type.includes('null') ? out : { ...out, type: [...out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

/** Every Schema Object of `components.schemas`, converted. */
function convertComponents(document: OpenApiDocument): Schema {
  const schemas = Object.fromEntries(Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [name, toJsonSchema(schema)]));
  return { $id: DOCUMENT_ID, definitions: schemas };
}

/** `application/problem+json; charset=utf-8` → `application/problem+json`. */
export const mediaTypeOf = (contentType: string | undefined): string | undefined => contentType?.split(';', 1)[0].trim().toLowerCase() || undefined;

/** The documented media type a response's Content-Type falls under: exact, then `type/*`, then `*\/*`. */
export function matchMediaType(content: Record<string, MediaType>, contentType: string | undefined): string | undefined {
  const type = mediaTypeOf(contentType);
  if (type === undefined) return undefined;
  const keys = Object.keys(content);
  return (
    keys.find((key) => key.toLowerCase() === type) ??
    keys.find((key) => key.toLowerCase() === `${type.split('/')[0]}/*`) ??
    keys.find((key) => key === '*/*')
  );
}

export interface MatchedOperation {
  method: string;
  /** The path template as the document spells it, e.g. `/api/leads/{id}`. */
  template: string;
  operation: Operation;
}

/** `/api/leads/{id}` as a regular expression over a request path (query and trailing slash removed). */
function templatePattern(template: string): RegExp {
  const parts = template.split(/(\{[^}]+\})/).map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('')}$`);
}

/** The path part of a request target, without the query and without a trailing slash (the routes answer both). */
export const requestPath = (target: string): string => {
  const path = target.split('?', 1)[0];
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
};

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as received, undecoded. */
  text: string;
}

export interface Verdict {
  /** Empty when the answer conforms. */
  problems: string[];
  /** The documented response key that judged it: `'201'`, `'default'`, ... */
  responseKey?: string;
  mediaType?: string;
}

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<Schema, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp; literalLength: number }>;

  constructor(readonly document: OpenApiDocument) {
    if (!/^3\.0\./.test(document.openapi)) throw new Error(`this validator reads OpenAPI 3.0 documents, not ${document.openapi}`);
    this.ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, validateFormats: true });
    addFormats(this.ajv);
    // OpenAPI's own formats that constrain nothing on the wire.
    for (const format of ['password', 'int32', 'int64', 'float', 'double', 'byte', 'binary']) this.ajv.addFormat(format, true);
    this.ajv.addSchema(convertComponents(document));
    // More literal characters first, so `/api/auth/tokens` beats a template that could also match it.
    this.templates = Object.keys(document.paths)
      .map((template) => ({ template, pattern: templatePattern(template), literalLength: template.replace(/\{[^}]+\}/g, '').length }))
      .sort((a, b) => b.literalLength - a.literalLength);
  }

  /** Every documented operation as `METHOD /template`. */
  operations(): string[] {
    return Object.entries(this.document.paths).flatMap(([template, item]) =>
      Object.keys(item)
        .filter((method) => HTTP_METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${template}`),
    );
  }

  /** The path template a request path falls under, if the document has one. */
  findTemplate(target: string): string | undefined {
    const path = requestPath(target);
    return this.templates.find(({ pattern }) => pattern.test(path))?.template;
  }

  /** The operation a request reached, by method and path template. */
  findOperation(method: string, target: string): MatchedOperation | undefined {
    const template = this.findTemplate(target);
    if (template === undefined) return undefined;
    const operation = this.document.paths[template][method.toLowerCase()];
    return operation && HTTP_METHODS.includes(method.toLowerCase()) ? { method: method.toUpperCase(), template, operation } : undefined;
  }

  /** The methods the document lists for a path template. */
  methodsOf(template: string): string[] {
    return Object.keys(this.document.paths[template] ?? {})
      .filter((method) => HTTP_METHODS.includes(method))
      .map((method) => method.toUpperCase());
  }

  /** A Response Object, with a `#/components/responses/...` reference followed. */
  resolveResponse(response: ResponseObject | { $ref: string }): ResponseObject {
    if (!('$ref' in response)) return response;
    const name = /^#\/components\/responses\/(.+)$/.exec(response.$ref)?.[1];
    const resolved = name === undefined ? undefined : this.document.components?.responses?.[name];
    if (!resolved) throw new Error(`unresolvable response reference ${response.$ref}`);
    return resolved;
  }

  /**
   * Where the document leaves an answer's shape open: a JSON content without
   * a schema, a schema that constrains nothing (`{}`, a bare `type: object`),
   * or an object schema with named properties that allows others too. Each as
   * `METHOD /path status media-type: what`, or `components.responses.X ...`.
   */
  openResponseSchemas(): string[] {
    const gaps: string[] = [];
    const schemas = this.document.components?.schemas ?? {};
    const visit = (schema: Schema | undefined, where: string, seen: Set<Schema>): void => {
      if (!schema || seen.has(schema)) return;
      seen.add(schema);
      const name = typeof schema.$ref === 'string' ? SCHEMA_REF.exec(schema.$ref)?.[1] : undefined;
      if (name !== undefined) return visit(schemas[name], `${where} → ${name}`, seen);
      const combined = ['allOf', 'anyOf', 'oneOf'].flatMap((key) => (Array.isArray(schema[key]) ? (schema[key] as Schema[]) : []));
      combined.forEach((part) => visit(part, where, seen));
      if (schema.type === 'array') return visit(schema.items as Schema | undefined, `${where}[]`, seen);
      const properties = schema.properties as Record<string, Schema> | undefined;
      if (properties) {
        if (schema.additionalProperties !== false) gaps.push(`${where}: object with properties but no additionalProperties: false`);
        for (const [key, property] of Object.entries(properties)) visit(property, `${where}.${key}`, seen);
      } else if (typeof schema.additionalProperties === 'object') {
        visit(schema.additionalProperties as Schema, `${where}{}`, seen);
      } else if (schema.type === undefined && combined.length === 0 && schema.enum === undefined) {
        gaps.push(`${where}: a schema that constrains nothing`);
      } else if (schema.type === 'object' && schema.additionalProperties === undefined) {
        gaps.push(`${where}: an object schema without properties`);
      }
    };
    const responses: Array<[string, ResponseObject | { $ref: string }]> = [
      ...this.operations().flatMap((label) => {
        const [method, template] = label.split(' ');
        return Object.entries(this.document.paths[template][method.toLowerCase()].responses).map(([status, response]): [string, ResponseObject | { $ref: string }] => [`${label} ${status}`, response]);
      }),
      ...Object.entries(this.document.components?.responses ?? {}).map(([name, response]): [string, ResponseObject] => [`components.responses.${name}`, response]),
    ];
    for (const [label, response] of responses) {
      if ('$ref' in response) continue;
      for (const [mediaType, media] of Object.entries(response.content ?? {})) {
        if (!/json$/i.test(mediaType)) continue;
        if (!media.schema) gaps.push(`${label} ${mediaType}: no schema`);
        else visit(media.schema, `${label} ${mediaType}`, new Set());
      }
    }
    return gaps;
  }

  /** Judges an answer of `operation`: status documented (or `default`), Content-Type listed, body valid. */
  checkOperationAnswer(operation: Operation, answer: Answer): Verdict {
    const key = String(answer.status) in operation.responses ? String(answer.status) : 'default' in operation.responses ? 'default' : undefined;
    if (key === undefined) {
      return { problems: [`status ${answer.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`] };
    }
    return { ...this.checkResponse(this.resolveResponse(operation.responses[key]), answer), responseKey: key };
  }

  /** Judges an answer against one Response Object. */
  checkResponse(response: ResponseObject, answer: Answer): Verdict {
    const contentType = header(answer.headers, 'content-type');
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
      // No content documented: there must be none.
      const problems = answer.text.length > 0 ? [`a body (${JSON.stringify(answer.text.slice(0, 200))}) where the document lists no content`] : [];
      return { problems };
    }
    const mediaType = matchMediaType(content, contentType);
    if (mediaType === undefined) {
      return { problems: [`Content-Type ${JSON.stringify(contentType ?? null)} is not among the documented ${Object.keys(content).join(', ')}`] };
    }
    const schema = content[mediaType].schema;
    if (schema === undefined) return { problems: [], mediaType };
    if (!/^application\/(?:[\w.+-]+\+)?json$/i.test(mediaType)) return { problems: [`cannot validate a ${mediaType} body`], mediaType };
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return { problems: [`the body is not JSON: ${JSON.stringify(answer.text.slice(0, 200))}`], mediaType };
    }
    return { problems: this.validate(schema, body), mediaType };
  }

  /** ajv's complaints about `value` against a (3.0) schema of the document, as readable lines. */
  validate(schema: Schema, value: unknown): string[] {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Schema);
      this.compiled.set(schema, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => {
      const extra = error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})` : '';
      return `${error.instancePath || '(body)'} ${error.message ?? error.keyword}${extra} [${error.schemaPath}]`;
    });
  }
}

/** One header of a Node/supertest header map, joined when repeated. */
export function header(headers: Answer['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
