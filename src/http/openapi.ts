import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { closeResponseSchemas, DetailErrorSchema, documentRequestLevelErrors, ProblemDetailsSchema } from '../common/openapi/problem.schema';

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
