import busboy from 'busboy';
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { ApiException } from './problem-details';

export const BODY_LIMIT_BYTES = 100 * 1024;

/** DRF's default parsers: JSON, urlencoded and multipart (text fields only). */
const JSON_TYPE = 'application/json';
const VENDOR_JSON_TYPE = /^application\/[\w.+-]+\+json\s*(?:;|$)/i;
const FORM_TYPE = 'application/x-www-form-urlencoded';
const MULTIPART_TYPE = 'multipart/form-data';
/** body-parser's parameterLimit, multer's field and part caps. */
const MAX_FORM_FIELDS = 100;
const MAX_FIELD_NAME_BYTES = 200;

const malformed = (detail: string): ApiException => new ApiException(400, detail);
const tooLarge = (detail = 'Request body is too large.'): ApiException => new ApiException(413, detail);
const MULTIPART_ERROR = 'Multipart form parse error.';
const unsupportedCharset = (): ApiException => new ApiException(415, 'Unsupported request body encoding.');

/**
 * Replaces Fastify's parsers with DRF's three, each capped at `limitBytes`;
 * any other body type is a 415 before a handler runs (Fastify's own
 * FST_ERR_CTP_INVALID_MEDIA_TYPE, worded by the problem-details filter).
 */
export function installBodyParsers(fastify: FastifyInstance, limitBytes = BODY_LIMIT_BYTES): void {
  fastify.removeAllContentTypeParsers();

  const parseJson: FastifyBodyParser<string> = (request, text, done) => {
    if (!utf8Charset(request)) return done(unsupportedCharset(), undefined);
    // An empty body is no body, as body-parser treats it: the route's validation names the missing fields.
    if (text === '') return done(null, undefined);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return done(malformed('JSON parse error - the request body is not valid JSON.'), undefined);
    }
    const shapeProblem = jsonShapeProblem(body);
    done(shapeProblem ? malformed(shapeProblem) : null, body);
  };
  fastify.addContentTypeParser(JSON_TYPE, { parseAs: 'string', bodyLimit: limitBytes }, parseJson);
  fastify.addContentTypeParser(VENDOR_JSON_TYPE, { parseAs: 'string', bodyLimit: limitBytes }, parseJson);

  fastify.addContentTypeParser(FORM_TYPE, { parseAs: 'string', bodyLimit: limitBytes }, (request, form: string, done) => {
    if (!utf8Charset(request)) return done(unsupportedCharset(), undefined);
    if (form === '') return done(null, {});
    if (form.split('&', MAX_FORM_FIELDS + 1).length > MAX_FORM_FIELDS) return done(tooLarge('Too many form fields.'), undefined);
    // querystring builds a null-prototype object; the validators expect a plain one.
    done(null, { ...parseQueryString(form, '&', '=', { maxKeys: 0 }) });
  });

  fastify.addContentTypeParser(MULTIPART_TYPE, (request, payload, done) => {
    readMultipart(request, payload, limitBytes).then(
      (fields) => done(null, fields),
      (error: Error) => done(error, undefined),
    );
  });
}

function utf8Charset(request: FastifyRequest): boolean {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '');
  return match === null || /^utf-?8$/i.test(match[1]);
}

/**
 * multer's `.none()` with busboy: text fields only, a file part is refused,
 * a repeated field becomes a list (the validators then refuse it).
 */
function readMultipart(request: FastifyRequest, payload: NodeJS.ReadableStream, limitBytes: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) return reject(tooLarge());

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers as IncomingHttpHeaders & { 'content-type': string },
        limits: { fieldSize: limitBytes, fields: MAX_FORM_FIELDS, parts: MAX_FORM_FIELDS, files: 0, fieldNameSize: MAX_FIELD_NAME_BYTES },
      });
    } catch {
      // No boundary, or not multipart after all.
      return reject(malformed(MULTIPART_ERROR));
    }
    const fields: Record<string, unknown> = {};
    let received = 0;
    let failed = false;
    const fail = (error: ApiException): void => {
      if (failed) return;
      failed = true;
      payload.unpipe(parser);
      // The rest of the body is drained, so the answer reaches a client that is still sending.
      payload.resume();
      reject(error);
    };

    payload.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) fail(tooLarge());
    });
    payload.on('error', () => fail(malformed('The request body was not received in full.')));
    parser.on('field', (name: string | undefined, value, info) => {
      if (!name || info.nameTruncated) return fail(malformed(MULTIPART_ERROR));
      if (info.valueTruncated) return fail(tooLarge());
      const existing = fields[name];
      if (existing === undefined) fields[name] = value;
      else fields[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    });
    parser.on('file', (_name, stream) => {
      stream.resume();
      fail(malformed(MULTIPART_ERROR));
    });
    parser.on('fieldsLimit', () => fail(malformed(MULTIPART_ERROR)));
    parser.on('partsLimit', () => fail(malformed(MULTIPART_ERROR)));
    parser.on('filesLimit', () => fail(malformed(MULTIPART_ERROR)));
    parser.on('error', () => fail(malformed(MULTIPART_ERROR)));
    parser.on('close', () => {
      if (failed) return;
      const shapeProblem = jsonShapeProblem(fields);
      if (shapeProblem) return fail(malformed(shapeProblem));
      resolve(fields);
    });
    payload.pipe(parser);
  });
}

/** With the `u` flag a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const wellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/** Deeper than any body this API takes; deep enough that recursive validators would overflow the stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * JSON that parses can still break what reads it: thousands of nested arrays
 * overflow class-transformer's recursion, and a lone UTF-16 surrogate
 * (`"\ud800"`) makes the e-mail validator throw. Both are refused as malformed
 * bodies, iteratively, before any of that code runs.
 */
function jsonShapeProblem(body: unknown): string | null {
  const surrogate = 'JSON parse error - the body contains an unpaired surrogate.';
  if (typeof body !== 'object' || body === null) return typeof body === 'string' && !wellFormed(body) ? surrogate : null;
  const stack: Array<[unknown, number]> = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (!wellFormed(value)) return surrogate;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) return `JSON parse error - nesting deeper than ${MAX_JSON_DEPTH} levels.`;
    for (const [key, item] of Object.entries(value)) {
      if (!wellFormed(key)) return surrogate;
      stack.push([item, depth + 1]);
    }
  }
  return null;
}
