import { registerUser, tokenHeader } from './support/accounts';
import { createLead } from './support/leads';
import { RouteTable } from '../src/http/route-table';
import { createTestApp, TestApp } from './support/test-app';

interface Operation {
  tags?: string[];
  summary?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string; oneOf?: Array<Record<string, unknown>> } }> }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>; securitySchemes: Record<string, Record<string, string>> };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
/** Swagger's own routes: the documentation does not document itself. */
const isDocsRoute = (path: string): boolean => path === '/api/docs' || path.startsWith('/api/docs/') || path.startsWith('/api/docs-');

/** The web console's pages and assets: HTML for people, not part of the API. */
const isConsoleRoute = (path: string): boolean => ['/', '/register', '/leads', '/tokens'].includes(path) || path.startsWith('/assets/');

/**
 * Every route the running app serves, as Fastify registered it (Nest adds
 * each handler there), so that a new route shows up here without anyone
 * listing it. The HEAD twin Fastify adds to each GET is left out.
 */
function servedRoutes(registered: string[]): string[] {
  return registered
    .map((route) => route.replace(/:(\w+)/g, '{$1}'))
    .filter((route) => {
      const [method, path] = route.split(' ');
      return method !== 'HEAD' && !isDocsRoute(path) && !isConsoleRoute(path);
    });
}

function documentedRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((method) => HTTP_METHODS.includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  let document: OpenApiDocument;
  let served: string[];

  beforeAll(async () => {
    t = await createTestApp();
    const response = await t.http().get('/api/docs-json').expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.body as OpenApiDocument;
    served = [...new Set(servedRoutes(RouteTable.of(t.app.getHttpAdapter().getInstance())?.routes() ?? []))];
  });
  afterAll(async () => {
    await t.close();
  });

  const operation = (route: string): Operation => {
    const [method, path] = route.split(' ');
    return document.paths[path][method.toLowerCase()];
  };
  const anonymous = (route: string) => {
    const [method, path] = route.split(' ');
    return t.http()[method.toLowerCase() as 'get'](path.replace(/\{\w+\}/g, '1'));
  };

  it('serves Swagger UI as HTML at /api/docs', async () => {
    const response = await t.http().get('/api/docs').redirects(1).expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).toContain('swagger-ui');
    const init = await t.http().get('/api/docs/swagger-ui-init.js').expect(200);
    // Authorize keeps the `Token <token>` value across reloads, and the UI fetches the document from here.
    expect(init.text).toContain('"persistAuthorization": true');
  });

  it('is an OpenAPI 3 document with the Token apiKey scheme', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('Leads API');
    expect(document.components.securitySchemes.token).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
  });

  it('finds the routes it checks (the router walk works)', () => {
    expect(served).toEqual(expect.arrayContaining(['GET /api/leads', 'DELETE /api/leads/{id}', 'POST /api/auth/login', 'GET /health']));
  });

  it('documents every route the app serves, and nothing else', () => {
    expect([...documentedRoutes(document)].sort()).toEqual([...served].sort());
  });

  it('gives every operation a tag, a summary and a success response', () => {
    for (const route of served) {
      const op = operation(route);
      expect([route, op.tags?.length ?? 0]).not.toEqual([route, 0]);
      expect([route, typeof op.summary]).toEqual([route, 'string']);
      expect([route, Object.keys(op.responses).some((status) => /^2\d\d$/.test(status))]).toEqual([route, true]);
    }
  });

  it('requires the token scheme exactly where the app answers 401 without credentials', async () => {
    for (const route of served) {
      const response = await anonymous(route);
      const op = operation(route);
      const requiresToken = (op.security ?? []).some((requirement) => 'token' in requirement);
      expect([route, requiresToken]).toEqual([route, response.status === 401]);
      if (requiresToken) expect([route, Object.keys(op.responses)]).toEqual([route, expect.arrayContaining(['401'])]);
    }
  });

  it("documents error responses as DRF bodies (application/json) and as problem details on request", () => {
    const detailRef = '#/components/schemas/DetailErrorSchema';
    const fieldErrors = { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } };
    for (const route of served) {
      for (const [status, response] of Object.entries(operation(route).responses)) {
        if (Number(status) < 400) continue;
        const content = (response.content ?? {}) as Record<string, { schema: Record<string, unknown> }>;
        expect([route, status, Object.keys(content).sort()]).toEqual([route, status, ['application/json', 'application/problem+json']]);
        expect([route, status, content['application/problem+json'].schema.$ref]).toEqual([route, status, '#/components/schemas/ProblemDetailsSchema']);
        const json = content['application/json'].schema;
        if (status === '400') {
          // A validation failure is the field errors; a body that does not parse is {"detail"}.
          expect([route, status, json]).toEqual([route, status, { oneOf: [expect.objectContaining(fieldErrors), { $ref: detailRef }] }]);
        } else {
          expect([route, status, json.$ref]).toEqual([route, status, detailRef]);
        }
      }
    }
    expect(document.components.schemas.DetailErrorSchema).toMatchObject({ properties: { detail: { type: 'string' } }, required: ['detail'] });
    expect(Object.keys(document.components.schemas.ProblemDetailsSchema.properties ?? {}).sort()).toEqual(['detail', 'errors', 'status', 'title', 'type']);
  });

  describe('accounts', () => {
    it('describes register and login answering 200 with the token body, and their 400s', () => {
      for (const route of ['POST /api/auth/register', 'POST /api/auth/login']) {
        const op = operation(route);
        expect([route, op.responses['200']?.content?.['application/json'].schema.$ref]).toEqual([route, '#/components/schemas/TokenResponseDto']);
        expect([route, op.responses['201']]).toEqual([route, undefined]);
        expect([route, Object.keys(op.responses)]).toEqual([route, expect.arrayContaining(['400', '403', '413', '415', '429'])]);
      }
      expect(Object.keys(operation('POST /api/auth/login').responses)).toContain('401');
    });

    it("describes dj-rest-auth's password change: body, 200 {detail}, errors", () => {
      expect(document.paths['/api/auth/password']).toBeUndefined();
      const op = operation('POST /api/auth/password/change');
      const body = op.requestBody?.content['application/json'].schema.$ref ?? '';
      const schema = document.components.schemas[body.split('/').pop() ?? ''];
      expect(Object.keys(schema.properties ?? {}).sort()).toEqual(['new_password1', 'new_password2', 'old_password']);
      expect(schema.required?.sort()).toEqual(['new_password1', 'new_password2', 'old_password']);
      expect(op.responses['200'].content?.['application/json'].schema.$ref).toBe('#/components/schemas/DetailResponse');
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    });

    it('describes the token list and the csrf answer with the snake_case keys the API sends', async () => {
      const user = await registerUser(t);
      const tokens = await t.http().get('/api/auth/tokens').set(...tokenHeader(user.token)).expect(200);
      expect(Object.keys(document.components.schemas.TokenListItem.properties ?? {}).sort()).toEqual(Object.keys(tokens.body[0]).sort());
      const csrf = await t.http().get('/api/auth/login').expect(200);
      expect(Object.keys(document.components.schemas.CsrfTokenResponse.properties ?? {})).toEqual(Object.keys(csrf.body));
      const register = operation('POST /api/auth/register').requestBody?.content['application/json'].schema.$ref ?? '';
      expect(document.components.schemas[register.split('/').pop() ?? ''].required?.sort()).toEqual(['password', 'username']);
    });
  });

  describe('leads', () => {
    it('describes the list query parameters, and the answer as the array or the page envelope', () => {
      const list = operation('GET /api/leads');
      expect(list.parameters?.filter((p) => p.in === 'query').map((p) => p.name).sort()).toEqual(['limit', 'offset', 'ordering', 'search']);
      const limit = list.parameters?.find((p) => p.name === 'limit')?.schema;
      expect(limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
      // No default: without limit the answer is the plain array.
      expect(limit).not.toHaveProperty('default');
      expect(list.parameters?.find((p) => p.name === 'ordering')?.schema).toMatchObject({ default: 'id' });
      expect(list.responses['200'].content?.['application/json'].schema.oneOf).toEqual([
        { type: 'array', items: { $ref: '#/components/schemas/LeadResponse' } },
        { $ref: '#/components/schemas/LeadPageResponse' },
      ]);
      expect(Object.keys(document.components.schemas.LeadPageResponse.properties ?? {}).sort()).toEqual(['count', 'next', 'previous', 'results']);
      expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    });

    it('describes the bodies in all three content types, PUT requiring every field and PATCH none', () => {
      for (const route of ['POST /api/leads', 'PUT /api/leads/{id}', 'PATCH /api/leads/{id}']) {
        expect([route, Object.keys(operation(route).requestBody?.content ?? {}).sort()]).toEqual([
          route,
          ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'],
        ]);
      }
      const put = operation('PUT /api/leads/{id}').requestBody?.content['application/json'].schema.$ref ?? '';
      const patch = operation('PATCH /api/leads/{id}').requestBody?.content['application/json'].schema.$ref ?? '';
      expect(document.components.schemas[put.split('/').pop() ?? ''].required?.sort()).toEqual(['email', 'message', 'name']);
      // The read-only fields a client may send back, under the names it got them by.
      expect(Object.keys(document.components.schemas[put.split('/').pop() ?? ''].properties ?? {}).sort()).toEqual([
        'created_at',
        'email',
        'id',
        'message',
        'name',
        'owner',
        'updated_at',
      ]);
      expect(document.components.schemas[patch.split('/').pop() ?? ''].required ?? []).toEqual([]);
      for (const route of ['POST /api/leads', 'PUT /api/leads/{id}', 'PATCH /api/leads/{id}']) {
        expect([route, Object.keys(operation(route).responses)]).toEqual([route, expect.arrayContaining(['400', '413', '415'])]);
        // A duplicate email is DRF's 400 on `email`, no longer a 409.
        expect([route, Object.keys(operation(route).responses)]).toEqual([route, expect.not.arrayContaining(['409'])]);
      }
      for (const route of ['GET /api/leads/{id}', 'PUT /api/leads/{id}', 'PATCH /api/leads/{id}', 'DELETE /api/leads/{id}']) {
        expect([route, Object.keys(operation(route).responses)]).toEqual([route, expect.arrayContaining(['404'])]);
      }
    });

    it('describes the lead exactly as the API returns it', async () => {
      const user = await registerUser(t);
      const lead = await createLead(t, user);
      const fetched = await t.http().get(`/api/leads/${lead.id}`).set(...tokenHeader(user.token)).expect(200);
      expect(Object.keys(document.components.schemas.LeadResponse.properties ?? {}).sort()).toEqual(Object.keys(fetched.body).sort());
      expect(Object.keys(fetched.body).sort()).toEqual(['created_at', 'email', 'id', 'message', 'name', 'owner', 'updated_at']);
      const listed = await t.http().get('/api/leads').set(...tokenHeader(user.token)).expect(200);
      expect(Object.keys(listed.body[0]).sort()).toEqual(Object.keys(fetched.body).sort());
    });
  });
});
