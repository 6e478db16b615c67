import { matchMediaType, OpenApiDocument, OpenApiValidator, requestPath, toJsonSchema } from './openapi-validator';

const document: OpenApiDocument = {
  openapi: '3.0.0',
  paths: {
    '/api/things': {
      get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } } } } } },
      post: {
        responses: {
          '204': { description: 'none' },
          default: { $ref: '#/components/responses/Problem' },
        },
      },
    },
    '/api/things/{id}': { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } } } },
    '/api/things/mine': { delete: { responses: { '204': { description: 'none' } } } },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'label', 'link'],
        properties: {
          id: { type: 'integer', example: 1 },
          label: { type: 'string', nullable: true },
          link: { type: 'string', format: 'uri', nullable: true },
          size: { type: 'number', minimum: 0, exclusiveMinimum: true },
          secret: { type: 'string', format: 'password', readOnly: true },
        },
      },
    },
    responses: { Problem: { description: 'error', content: { 'application/problem+json': { schema: { type: 'object', additionalProperties: false, required: ['detail'], properties: { detail: { type: 'string' } } } } } } },
  },
};

const json = (status: number, body: unknown, type = 'application/json; charset=utf-8') => ({ status, headers: { 'content-type': type }, text: JSON.stringify(body) });

describe('toJsonSchema (OpenAPI 3.0 → JSON Schema)', () => {
  it('allows null for nullable: in type, in enum, and around a schema without a type', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, example: 'x' })).toEqual({ type: ['string', 'null'] });
    expect(toJsonSchema({ type: 'string', enum: ['a'], nullable: true })).toEqual({ type: ['string', 'null'], enum: ['a', null] });
    expect(toJsonSchema({ allOf: [{ $ref: '#/components/schemas/Thing' }], nullable: true })).toEqual({
      anyOf: [{ allOf: [{ $ref: 'urn:openapi:components#/definitions/Thing' }] }, { type: 'null' }],
    });
    expect(toJsonSchema({ type: 'string', nullable: false })).toEqual({ type: 'string' });
  });

  it('converts boolean exclusive bounds, nested schemas and references, and drops annotations', () => {
    expect(toJsonSchema({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false })).toEqual({ type: 'number', exclusiveMinimum: 0, maximum: 9 });
    expect(
      toJsonSchema({ type: 'object', properties: { a: { type: 'array', items: { type: 'integer', nullable: true } } }, additionalProperties: { type: 'string', example: 'q' } }),
    ).toEqual({ type: 'object', properties: { a: { type: 'array', items: { type: ['integer', 'null'] } } }, additionalProperties: { type: 'string' } });
    expect(toJsonSchema({ $ref: '#/components/schemas/Thing', description: 'ignored sibling' })).toEqual({ $ref: 'urn:openapi:components#/definitions/Thing' });
    expect(() => toJsonSchema({ $ref: 'https://example.com/schema.json' })).toThrow(/only #\/components\/schemas/);
  });
});

describe('OpenApiValidator', () => {
  const validator = new OpenApiValidator(document);

  it('refuses a document of another OpenAPI version', () => {
    expect(() => new OpenApiValidator({ ...document, openapi: '3.1.0' })).toThrow(/3\.0/);
  });

  it('finds operations by method and path template, concrete paths first, ignoring the query and a trailing slash', () => {
    expect(validator.operations().sort()).toEqual(['DELETE /api/things/mine', 'GET /api/things', 'GET /api/things/{id}', 'POST /api/things']);
    expect(validator.findOperation('get', '/api/things/7?x=1')?.template).toBe('/api/things/{id}');
    expect(validator.findOperation('DELETE', '/api/things/mine/')?.template).toBe('/api/things/mine');
    // OpenAPI matches concrete paths before templated ones, whatever the method.
    expect(validator.findTemplate('/api/things/mine')).toBe('/api/things/mine');
    expect(validator.findOperation('GET', '/api/things/mine')).toBeUndefined();
    expect(validator.findOperation('PUT', '/api/things')).toBeUndefined();
    expect(validator.findTemplate('/api/things/7/extra')).toBeUndefined();
    expect(validator.methodsOf('/api/things')).toEqual(['GET', 'POST']);
    expect(requestPath('/')).toBe('/');
  });

  it('matches media types exactly, then by wildcard, ignoring parameters and case', () => {
    expect(matchMediaType({ 'application/json': {} }, 'Application/JSON; charset=utf-8')).toBe('application/json');
    expect(matchMediaType({ 'application/*': {} }, 'application/problem+json')).toBe('application/*');
    expect(matchMediaType({ 'application/json': {} }, 'application/problem+json')).toBeUndefined();
    expect(matchMediaType({ 'application/json': {} }, undefined)).toBeUndefined();
  });

  it('accepts a conforming answer, with null where the document says nullable', () => {
    const operation = validator.findOperation('GET', '/api/things')!.operation;
    const verdict = validator.checkOperationAnswer(operation, json(200, [{ id: 1, label: null, link: null, secret: 'x' }, { id: 2, label: 'b', link: 'https://x.test/1', size: 0.5 }]));
    expect(verdict).toEqual({ problems: [], responseKey: '200', mediaType: 'application/json' });
  });

  it('refuses undocumented keys, missing required keys, null where not nullable, bad formats and bounds', () => {
    const operation = validator.findOperation('GET', '/api/things/1')!.operation;
    const problems = (body: unknown) => validator.checkOperationAnswer(operation, json(200, body)).problems;
    expect(problems({ id: 1, label: 'a', link: null, extra: true })).toEqual([expect.stringContaining('must NOT have additional properties (extra)')]);
    expect(problems({ id: 1, label: 'a' })).toEqual([expect.stringContaining("must have required property 'link'")]);
    expect(problems({ id: null, label: 'a', link: null })).toEqual([expect.stringMatching(/^\/id must be integer/)]);
    expect(problems({ id: 1, label: 'a', link: '/relative' })).toEqual([expect.stringMatching(/^\/link must match format "uri"/)]);
    expect(problems({ id: 1, label: 'a', link: null, size: 0 })).toEqual([expect.stringMatching(/^\/size must be > 0/)]);
  });

  it('refuses an undocumented status, an unlisted Content-Type, a body that is not JSON, and a body where none is documented', () => {
    const get = validator.findOperation('GET', '/api/things/1')!.operation;
    expect(validator.checkOperationAnswer(get, json(404, { detail: 'Not found.' })).problems).toEqual(['status 404 is not documented (documented: 200)']);
    expect(validator.checkOperationAnswer(get, json(200, {}, 'text/html')).problems).toEqual([expect.stringContaining('"text/html" is not among the documented application/json')]);
    expect(validator.checkOperationAnswer(get, { status: 200, headers: { 'content-type': 'application/json' }, text: '{' }).problems).toEqual([expect.stringContaining('not JSON')]);
    const remove = validator.findOperation('DELETE', '/api/things/mine')!.operation;
    expect(validator.checkOperationAnswer(remove, { status: 204, headers: {}, text: '' })).toEqual({ problems: [], responseKey: '204' });
    expect(validator.checkOperationAnswer(remove, json(204, {})).problems).toEqual([expect.stringContaining('where the document lists no content')]);
  });

  it('names the answers whose shape the document leaves open', () => {
    expect(validator.openResponseSchemas()).toEqual([]);
    const open = new OpenApiValidator({
      openapi: '3.0.3',
      paths: {
        '/a': {
          get: {
            responses: {
              '200': { description: 'ok', content: { 'application/json': { schema: { example: { status: 'ok' } } } } },
              '201': { description: 'ok', content: { 'application/json': {} } },
              '202': { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Open' } } } } },
              '203': { description: 'ok', content: { 'application/json': { schema: { type: 'object' } }, 'text/plain': {} } },
            },
          },
        },
      },
      components: { schemas: { Open: { type: 'object', properties: { inner: { type: 'object', additionalProperties: false, properties: { x: {} } } } } } },
    });
    expect(open.openResponseSchemas()).toEqual([
      'GET /a 200 application/json: a schema that constrains nothing',
      'GET /a 201 application/json: no schema',
      'GET /a 202 application/json[] → Open: object with properties but no additionalProperties: false',
      'GET /a 202 application/json[] → Open.inner.x: a schema that constrains nothing',
      'GET /a 203 application/json: an object schema without properties',
    ]);
  });

  it('falls back to default, following a components.responses reference', () => {
    const post = validator.findOperation('POST', '/api/things')!.operation;
    expect(validator.checkOperationAnswer(post, json(415, { detail: 'x' }, 'application/problem+json'))).toEqual({
      problems: [],
      responseKey: 'default',
      mediaType: 'application/problem+json',
    });
    expect(validator.checkOperationAnswer(post, json(415, {}, 'application/problem+json')).problems).toEqual([
      expect.stringContaining("must have required property 'detail'"),
    ]);
  });
});
