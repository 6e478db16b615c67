import fc from 'fast-check';
import Fastify, { FastifyInstance } from 'fastify';
import { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { FORM_NOT_UTF8, installBodyParsers, JSON_NOT_UTF8, MAX_FORM_FIELDS, parseForm } from './body-parsers';
import { PROTOTYPE_KEY_DETAIL, PROTOTYPE_KEYS } from '../common/http/body-check';
import { ApiException } from '../common/http/problem-details';

function refusal(run: () => unknown): { status: number; detail: string } | 'accepted' {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiException) return { status: error.getStatus(), detail: error.detail };
    throw error;
  }
  return 'accepted';
}

describe('parseForm', () => {
  it('reads any form of UTF-8 text as Node\'s querystring does', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('', ' ', '+', '%', '%2', '%zz', '%%41', '=', 'a=b', 'é', '😀', '%C3%A9'));
    // The ways a client may write the same text: percent-encoded, `+` for spaces, or as it is where that parses the same.
    const spelling = fc.constantFrom<(value: string) => string>(
      (value) => encodeURIComponent(value),
      (value) => encodeURIComponent(value).replace(/%20/g, '+'),
      (value) => value.replace(/[%&=+]/g, (character) => encodeURIComponent(character)),
    );
    const pair = fc.tuple(text, text, spelling, fc.constantFrom('=', '')).map(([name, value, spell, equals]) => `${spell(name)}${equals}${equals ? spell(value) : ''}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(pair, fc.constant('')), { maxLength: 12 }), (pairs) => {
        const form = pairs.join('&');
        const expected = { ...parseQueryString(form, '&', '=', { maxKeys: 0 }) };
        fc.pre(!Object.keys(expected).some((key) => PROTOTYPE_KEYS.includes(key)));
        expect(parseForm(Buffer.from(form, 'utf8'))).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses bytes that are not UTF-8, percent-encoded or not, in a name or a value', () => {
    for (const form of [Buffer.from('username=a%C3%28b'), Buffer.from('a%FF=1'), Buffer.from('x=%ED%A0%80'), Buffer.concat([Buffer.from('username=a'), Buffer.from([0xc3, 0x28])])]) {
      expect(refusal(() => parseForm(form))).toEqual({ status: 400, detail: FORM_NOT_UTF8 });
    }
    // Still one character per byte where the bytes are UTF-8.
    expect(parseForm(Buffer.from('name=%C3%A9+%F0%9F%98%80&raw=é'))).toEqual({ name: 'é 😀', raw: 'é' });
  });

  it('refuses the prototype keys, however they are spelled, wherever they come', () => {
    for (const form of ['__proto__=x', 'username=a&__proto__=x', '%5F%5Fproto%5F%5F=x', 'constructor', 'a=1&prototype=&b=2', 'constructor=1&constructor=2']) {
      expect({ form, refusal: refusal(() => parseForm(Buffer.from(form))) }).toEqual({ form, refusal: { status: 400, detail: PROTOTYPE_KEY_DETAIL } });
    }
  });

  it('gives names of Object.prototype\'s methods their own fields, and a repeated field a list', () => {
    const fields = parseForm(Buffer.from('toString=1&hasOwnProperty=2&hasOwnProperty=3&valueOf=4&__proto__x=5'));
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.entries(fields)).toEqual([
      ['toString', '1'],
      ['hasOwnProperty', ['2', '3']],
      ['valueOf', '4'],
      ['__proto__x', '5'],
    ]);
  });

  it(`takes at most ${MAX_FORM_FIELDS} fields`, () => {
    const form = (count: number) => Buffer.from(Array.from({ length: count }, (_, index) => `f${index}=1`).join('&'));
    expect(Object.keys(parseForm(form(MAX_FORM_FIELDS)))).toHaveLength(MAX_FORM_FIELDS);
    expect(refusal(() => parseForm(form(MAX_FORM_FIELDS + 1)))).toEqual({ status: 413, detail: 'Too many form fields.' });
  });
});

describe('installBodyParsers', () => {
  let fastify: FastifyInstance;

  beforeAll(async () => {
    fastify = Fastify();
    installBodyParsers(fastify);
    fastify.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      if (error instanceof ApiException) return reply.code(error.getStatus()).send({ detail: error.detail });
      return reply.code(error.statusCode ?? 500).send({ detail: error.message });
    });
    // The parsed body, with the prototype of each object it holds, as its JSON cannot show that.
    fastify.post('/', (request) => ({ body: request.body, plain: request.body === undefined || Object.getPrototypeOf(request.body) === Object.prototype }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await fastify.close();
  });

  /** Over real HTTP (Fastify's inject() loads an ES module that Jest cannot). */
  const post = (type: string, payload: Buffer) =>
    new Promise<{ status: number; json: { body?: unknown; plain?: boolean; detail?: string } }>((resolve, reject) => {
      const { port } = fastify.server.address() as AddressInfo;
      const outgoing = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': type, 'content-length': payload.length } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as never }));
        response.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(payload);
    });

  const multipart = (...parts: Array<[headers: string, value: Buffer | string]>) =>
    Buffer.concat([...parts.flatMap(([headers, value]) => [Buffer.from(`--b\r\n${headers}\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n')]), Buffer.from('--b--\r\n')]);
  const MULTIPART = 'multipart/form-data; boundary=b';
  const named = (name: string) => `Content-Disposition: form-data; name="${name}"`;

  describe('JSON', () => {
    it('refuses bytes that are not UTF-8 (0xC3 0x28 inside a string) as a parse error', async () => {
      const payload = Buffer.concat([Buffer.from('{"username":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
      for (const type of ['application/json', 'application/vnd.api+json', 'application/json; charset=utf-8']) {
        expect(await post(type, payload)).toEqual({ status: 400, json: { detail: JSON_NOT_UTF8 } });
      }
    });

    it('reads UTF-8, refuses a byte order mark as before, and takes an empty body as none', async () => {
      expect(await post('application/json', Buffer.from('{"name":"é😀"}'))).toEqual({ status: 200, json: { body: { name: 'é😀' }, plain: true } });
      expect((await post('application/json', Buffer.from('\uFEFF{}'))).json.detail).toBe('JSON parse error - the request body is not valid JSON.');
      expect(await post('application/json', Buffer.alloc(0))).toEqual({ status: 200, json: { plain: true } });
    });

    it('refuses prototype keys', async () => {
      for (const text of ['{"__proto__":{"x":1}}', '{"a":[{"constructor":{"prototype":{"x":1}}}]}']) {
        expect(await post('application/json', Buffer.from(text))).toEqual({ status: 400, json: { detail: PROTOTYPE_KEY_DETAIL } });
      }
    });
  });

  describe('urlencoded', () => {
    it('refuses bytes that are not UTF-8 and prototype keys', async () => {
      expect(await post('application/x-www-form-urlencoded', Buffer.from('username=%C3%28'))).toEqual({ status: 400, json: { detail: FORM_NOT_UTF8 } });
      expect(await post('application/x-www-form-urlencoded', Buffer.from('__proto__=x&a=1'))).toEqual({ status: 400, json: { detail: PROTOTYPE_KEY_DETAIL } });
      expect(await post('application/x-www-form-urlencoded', Buffer.from('a=%C3%A9&b=1&b=2'))).toEqual({ status: 200, json: { body: { a: 'é', b: ['1', '2'] }, plain: true } });
    });
  });

  describe('multipart', () => {
    it('reads a part without a charset as UTF-8, strictly', async () => {
      expect(await post(MULTIPART, multipart([named('a'), 'é 😀'], [named('b'), 'plain']))).toEqual({ status: 200, json: { body: { a: 'é 😀', b: 'plain' }, plain: true } });
      for (const bytes of [[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98]]) {
        const payload = multipart([named('ok'), 'é'], [named('a'), Buffer.concat([Buffer.from('x'), Buffer.from(bytes), Buffer.from('y')])]);
        expect({ bytes, ...(await post(MULTIPART, payload)) }).toEqual({ bytes, status: 400, json: { detail: FORM_NOT_UTF8 } });
      }
    });

    it('reads a part that names its own charset by that charset, as busboy always has', async () => {
      const payload = multipart(
        [`${named('utf8')}\r\nContent-Type: text/plain; charset=utf-8`, 'é'],
        [`${named('latin1')}\r\nContent-Type: text/plain; charset=iso-8859-1`, Buffer.from([0xe9])],
        [named('none'), 'é'],
      );
      expect(await post(MULTIPART, payload)).toEqual({ status: 200, json: { body: { utf8: 'é', latin1: 'é', none: 'é' }, plain: true } });
      // One that busboy has no decoder for is a charset this API does not take.
      const shiftJis = multipart([`${named('a')}\r\nContent-Type: text/plain; charset=shift_jis`, Buffer.from([0x82, 0xa0])]);
      expect(await post(MULTIPART, shiftJis)).toEqual({ status: 415, json: { detail: 'Unsupported request body encoding.' } });
    });

    it('refuses prototype keys, however the name is written, and gives other names fields of their own', async () => {
      for (const disposition of [named('__proto__'), named('constructor'), named('prototype'), 'Content-Disposition: form-data; name=__proto__', 'content-disposition: form-data; filler=""; name="constructor"']) {
        const payload = multipart([disposition, 'x'], [named('username'), 'a']);
        expect({ disposition, ...(await post(MULTIPART, payload)) }).toEqual({ disposition, status: 400, json: { detail: PROTOTYPE_KEY_DETAIL } });
      }
      const payload = multipart([named('toString'), '1'], [named('hasOwnProperty'), '2'], [named('hasOwnProperty'), '3']);
      expect(await post(MULTIPART, payload)).toEqual({ status: 200, json: { body: { toString: '1', hasOwnProperty: ['2', '3'] }, plain: true } });
    });

    it(`takes at most ${MAX_FORM_FIELDS} fields, and no file`, async () => {
      const fields = (count: number) => multipart(...Array.from({ length: count }, (_, index): [string, string] => [named(`f${index}`), '1']));
      expect((await post(MULTIPART, fields(MAX_FORM_FIELDS))).status).toBe(200);
      expect(await post(MULTIPART, fields(MAX_FORM_FIELDS + 1))).toEqual({ status: 400, json: { detail: 'Multipart form parse error.' } });
      const file = multipart([`${named('a')}; filename="a.txt"`, 'x']);
      expect(await post(MULTIPART, file)).toEqual({ status: 400, json: { detail: 'Multipart form parse error.' } });
    });

    it('refuses a body over the limit, and one cut short', async () => {
      expect(await post(MULTIPART, multipart([named('a'), 'x'.repeat(101 * 1024)]))).toEqual({ status: 413, json: { detail: 'Request body is too large.' } });
      expect(await post(MULTIPART, Buffer.from(`--b\r\n${named('a')}\r\n\r\nvalue`))).toEqual({ status: 400, json: { detail: 'Multipart form parse error.' } });
    });
  });
});
