import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { HeadersObject, OpenAPIObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';

/** RFC 9457 problem details, as every error of this API is answered. */
export class ProblemDetailsSchema {
  @ApiProperty({ example: 'about:blank' })
  type: string;
  @ApiProperty({ example: 'Unauthorized' })
  title: string;
  @ApiProperty({ type: 'integer', example: 401 })
  status: number;
  @ApiProperty({ example: 'Invalid token.', description: "The DRF/knox sentence clients read as `.detail`" })
  detail: string;
  @ApiPropertyOptional({
    description: 'Per-field messages (validation errors only), the DRF field-error shape',
    example: { email: ['Enter a valid email address.'] },
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
  })
  errors?: Record<string, string[]>;
}

/** The headers that come with some errors, documented where they are sent. */
const HEADERS: Record<number, HeadersObject> = {
  401: { 'WWW-Authenticate': { required: true, description: 'The scheme to authenticate with', schema: { type: 'string', example: 'Token' } } },
  429: { 'Retry-After': { required: true, description: 'Seconds until the next attempt may succeed', schema: { type: 'integer', minimum: 1 } } },
  503: { 'Retry-After': { required: true, description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } },
};

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `errors` names each bad field',
  401: 'Missing, malformed, unknown, revoked or expired token',
  403: 'CSRF Failed: a request authenticated by the `sessionid` cookie (or a login/register carrying the `csrftoken` cookie) without a matching `X-CSRFToken`',
  404: 'Not found.',
  409: 'Conflict with an existing record',
  413: 'Request body larger than 100 kB',
  415: 'Unsupported body content type',
  429: 'Too many requests',
  503: 'Database unavailable; retry after `Retry-After` seconds',
};

/** Documents problem-details answers for the given statuses. */
export function ApiProblems(...statuses: Array<number | [number, string]>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((entry) => {
      const [status, description] = Array.isArray(entry) ? entry : [entry, DESCRIPTIONS[entry] ?? 'Error'];
      // Documented under the media type the filter really sends, not application/json.
      return ApiResponse({
        status,
        description,
        ...(HEADERS[status] ? { headers: HEADERS[status] } : {}),
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsSchema) } } },
      });
    }),
  );
}

const problemContent = (): ResponseObject['content'] => ({ 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsSchema) } } });

/**
 * What any request may be answered before (or besides) its route's own
 * errors: `default` on every operation (a malformed request, two Host
 * headers, a URL or headers too long, a body this route reads none of in a
 * type or size no parser takes, a handler past its deadline), and, in
 * `components.responses`, the answers to requests that match no operation:
 * `MethodNotAllowed` (a documented path, another method) and `NotFound`.
 */
export function documentRequestLevelErrors(document: OpenAPIObject): void {
  const components = (document.components ??= {});
  components.responses = {
    ...components.responses,
    MethodNotAllowed: {
      description: 'The path exists but not with this method; `Allow` lists the methods it has',
      headers: { Allow: { required: true, schema: { type: 'string', example: 'GET, HEAD, POST' } } },
      content: problemContent(),
    },
    NotFound: { description: 'No such path', content: problemContent() },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation && !operation.responses.default) {
        operation.responses.default = {
          description: 'A request-level refusal: malformed request or duplicate `Host`/`Authorization` (400), body too large (413), URL too long (414), body type not accepted (415), headers too large (431), handler timeout (503)',
          content: problemContent(),
        };
      }
    }
  }
}

/**
 * `additionalProperties: false` on every object schema an answer is made of
 * (components referenced from responses, and inline ones), unless it says
 * otherwise: @nestjs/swagger cannot express it per class, and an answer with
 * a key the document does not name is a documentation bug.
 */
export function closeResponseSchemas(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const closed = new Set<SchemaObject>();
  const close = (schema: SchemaObject | ReferenceObject | undefined): void => {
    if (!schema) return;
    if ('$ref' in schema) {
      close(schemas[schema.$ref.replace('#/components/schemas/', '')]);
      return;
    }
    if (closed.has(schema)) return;
    closed.add(schema);
    if (schema.properties) {
      schema.additionalProperties ??= false;
      Object.values(schema.properties).forEach(close);
    }
    if (typeof schema.additionalProperties === 'object') close(schema.additionalProperties);
    if (schema.items) close(schema.items);
    [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].forEach(close);
  };
  const responses: Array<ResponseObject | ReferenceObject | undefined> = [
    ...Object.values(document.paths).flatMap((item) =>
      (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) => Object.values(item[method]?.responses ?? {})),
    ),
    ...Object.values(document.components?.responses ?? {}),
  ];
  for (const response of responses) {
    if (!response || '$ref' in response) continue;
    for (const media of Object.values(response.content ?? {})) close(media.schema);
  }
}
