import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { DetailErrorSchema, errorContent, ProblemDetailsSchema } from '../common/openapi/problem.schema';

/** Swagger UI at /api/docs and the OpenAPI 3 document at /api/docs-json. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Leads API')
    .setDescription(
      'Users, knox-style tokens and owner-scoped leads. Authenticate with `Authorization: Token <token>` ' +
        '(or `Bearer <token>`). Errors are DRF bodies (`application/json`): the field errors of a validation failure, ' +
        'else `{"detail": "..."}`; send `Accept: application/problem+json` for RFC 9457 problem details with the same sentences. ' +
        'Browsers may use the Django flow instead: `GET /api/auth/login` for the `csrftoken` cookie, then `POST /api/auth/login` ' +
        'with `X-CSRFToken` sets the HttpOnly `sessionid` cookie; unsafe requests made with that cookie repeat `X-CSRFToken`.',
    )
    .setVersion('1.0.0')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Enter `Token <token>` (the word Token, a space, then the token)' },
      'token',
    )
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'Login only' }, 'basic')
    .addCookieAuth('sessionid', { type: 'apiKey', in: 'cookie', name: 'sessionid', description: 'Browser session; unsafe methods also need the X-CSRFToken header' }, 'session')
    .build();
  const document: OpenAPIObject = SwaggerModule.createDocument(app, config, { extraModels: [DetailErrorSchema, ProblemDetailsSchema] });
  documentRequestLevelErrors(document);
  closeResponseSchemas(document);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}

/** A request-level refusal: `{"detail": ...}` as application/json, problem details on request. */
const problemContent = (): ResponseObject['content'] => errorContent(0);

/**
 * What any request may be answered before (or besides) its route's own
 * errors: `default` on every operation (a malformed request, two Host
 * headers, a URL or headers too long, a body this route reads none of in a
 * type or size no parser takes, a handler past its deadline), and, in
 * `components.responses`, the answers to requests that match no operation:
 * `MethodNotAllowed` (a documented path, another method) and `NotFound`.
 */
function documentRequestLevelErrors(document: OpenAPIObject): void {
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
function closeResponseSchemas(document: OpenAPIObject): void {
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
