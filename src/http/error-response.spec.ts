import { drfBody, prefersProblemJson, problem, renderError } from './error-response';

describe('prefersProblemJson (Accept negotiation between DRF bodies and RFC 9457)', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['text/html', false],
    ['application/problem+json', true],
    ['APPLICATION/Problem+JSON', true],
    ['application/problem+json; charset=utf-8', true],
    ['application/problem+json, */*', true],
    ['application/problem+json, application/*', true],
    ['application/problem+json, */*;q=0.8', true],
    ['application/json;q=0.5, application/problem+json', true],
    ['application/problem+json;q=0.9, application/json;q=0.8', true],
    ['text/html, application/problem+json;q=0.1', true],
    // A tie between the two named types is DRF's default.
    ['application/problem+json, application/json', false],
    ['application/json, application/problem+json', false],
    ['application/json, application/problem+json;q=0.9', false],
    ['application/problem+json;q=0', false],
    ['application/problem+json;q=0.000', false],
    ['application/problem+json;q=garbage', false],
    ['application/problem+json;q=1.5', false],
    ['*/*;q=0.1, application/problem+json;q=0.1', true],
    ['application/problem+json ; q = 0.7 , application/json ; q = 0.6', true],
  ])('%j → %s', (accept, expected) => {
    expect(prefersProblemJson(accept)).toBe(expected);
  });

  it('reads a header sent more than once as one list', () => {
    expect(prefersProblemJson(['application/json;q=0.1', 'application/problem+json'])).toBe(true);
  });

  it('stops reading an absurdly long header after 32 ranges', () => {
    const header = `${Array.from({ length: 5000 }, () => 'text/plain').join(',')},application/problem+json`;
    expect(prefersProblemJson(header)).toBe(false);
  });
});

describe('renderError', () => {
  it("renders DRF's bodies as application/json: field errors alone, or {detail} alone", () => {
    expect(renderError({ status: 400, detail: 'Invalid input.', errors: { username: ['This field is required.'] } }, '*/*')).toEqual({
      contentType: 'application/json; charset=utf-8',
      body: '{"username":["This field is required."]}',
    });
    expect(renderError({ status: 401, detail: 'Invalid token.', headers: { 'WWW-Authenticate': 'Token' } }, undefined)).toEqual({
      contentType: 'application/json; charset=utf-8',
      body: '{"detail":"Invalid token."}',
    });
    expect(drfBody({ detail: 'Not found.' })).toEqual({ detail: 'Not found.' });
  });

  it('renders problem details on request, with the same sentences', () => {
    const rendered = renderError({ status: 400, detail: 'Invalid input.', errors: { password: ['This password is too common.'] } }, 'application/problem+json');
    expect(rendered.contentType).toBe('application/problem+json');
    expect(JSON.parse(rendered.body)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'Invalid input.',
      errors: { password: ['This password is too common.'] },
    });
    expect(problem(429, 'Request was throttled. Expected available in 3 seconds.')).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Request was throttled. Expected available in 3 seconds.',
    });
  });
});
