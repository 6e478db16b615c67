import busboy from 'busboy';
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { TextDecoder } from 'node:util';
import { bodyProblem, isPrototypeKey, prototypeKeyRefused } from '../common/http/body-check';
import { ApiException } from '../common/http/problem-details';

export const BODY_LIMIT_BYTES = 100 * 1024;

/** DRF's default parsers: JSON, urlencoded and multipart (text fields only). */
const JSON_TYPE = 'application/json';
const VENDOR_JSON_TYPE = /^application\/[\w.+-]+\+json\s*(?:;|$)/i;
const FORM_TYPE = 'application/x-www-form-urlencoded';
const MULTIPART_TYPE = 'multipart/form-data';
/** body-parser's parameterLimit, multer's field and part caps. */
export const MAX_FORM_FIELDS = 100;
const MAX_FIELD_NAME_BYTES = 200;

const malformed = (detail: string): ApiException => new ApiException(400, detail);
export const BODY_TOO_LARGE = 'Request body is too large.';
export const BODY_INCOMPLETE = 'The request body was not received in full.';
const tooLarge = (detail = BODY_TOO_LARGE): ApiException => new ApiException(413, detail);
const MULTIPART_ERROR = 'Multipart form parse error.';
const unsupportedCharset = (): ApiException => new ApiException(415, 'Unsupported request body encoding.');
export const JSON_NOT_UTF8 = 'JSON parse error - the request body is not valid UTF-8.';
export const FORM_NOT_UTF8 = 'Form parse error - a field is not valid UTF-8.';

/**
 * Bodies are read as bytes and decoded here, strictly: bytes that are not UTF-8 are a
 * 400, not text with U+FFFD in their place (a string decoding would store that, silently).
 * `ignoreBOM` keeps a byte order mark in the text, where JSON.parse refuses it, as DRF does.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Replaces Fastify's parsers with DRF's three, each capped at `limitBytes`;
 * any other body type is a 415 before a handler runs (Fastify's own
 * FST_ERR_CTP_INVALID_MEDIA_TYPE, worded by the problem-details filter).
 *
 * Every parser builds plain objects from the sent names only through
 * Object.fromEntries (which defines keys, never calls the `__proto__` setter) and
 * refuses `__proto__`, `constructor` and `prototype` as keys at any depth with a 400
 * (PROTOTYPE_KEY_DETAIL): copied later with `target[key] = value`, or walked with
 * `for…in` (Nest's stripProtoKeys does), such a key reaches Object.prototype itself.
 */
export function installBodyParsers(fastify: FastifyInstance, limitBytes = BODY_LIMIT_BYTES): void {
  fastify.removeAllContentTypeParsers();

  const parseJson: FastifyBodyParser<Buffer> = (request, bytes, done) => {
    if (!utf8Charset(request)) return done(unsupportedCharset(), undefined);
    // An empty body is no body, as body-parser treats it: the route's validation names the missing fields.
    if (bytes.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return done(malformed(JSON_NOT_UTF8), undefined);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return done(malformed('JSON parse error - the request body is not valid JSON.'), undefined);
    }
    done(bodyProblem(body), body);
  };
  fastify.addContentTypeParser(JSON_TYPE, { parseAs: 'buffer', bodyLimit: limitBytes }, parseJson);
  fastify.addContentTypeParser(VENDOR_JSON_TYPE, { parseAs: 'buffer', bodyLimit: limitBytes }, parseJson);

  fastify.addContentTypeParser(FORM_TYPE, { parseAs: 'buffer', bodyLimit: limitBytes }, (request, bytes: Buffer, done) => {
    if (!utf8Charset(request)) return done(unsupportedCharset(), undefined);
    try {
      done(null, parseForm(bytes));
    } catch (error) {
      done(error as ApiException, undefined);
    }
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
 * Names and values with their repeats, in the order sent, as a plain object: a
 * repeated field becomes a list (the validators then refuse it), as in Django's
 * QueryDict. Collected in a Map, so that a name like `toString` finds nothing
 * inherited; a prototype key is refused before anything is stored under it.
 */
function formObject(pairs: Iterable<[string, string]>): Record<string, string | string[]> {
  const fields = new Map<string, string | string[]>();
  for (const [name, value] of pairs) {
    if (isPrototypeKey(name)) throw prototypeKeyRefused();
    const existing = fields.get(name);
    fields.set(name, existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]);
  }
  return Object.fromEntries(fields);
}

/**
 * `application/x-www-form-urlencoded` as Node's querystring reads it (`+` is a
 * space, a `%` without two hex digits stays as it is, empty pairs are skipped),
 * except that the percent-decoded bytes must be UTF-8. At most MAX_FORM_FIELDS
 * pairs, as today: more is a 413.
 */
export function parseForm(bytes: Buffer): Record<string, string | string[]> {
  // One character per byte: the percent-decoding below works on bytes, not on characters.
  const text = bytes.toString('latin1');
  if (text === '') return {};
  const pieces = text.split('&', MAX_FORM_FIELDS + 1);
  if (pieces.length > MAX_FORM_FIELDS) throw tooLarge('Too many form fields.');
  return formObject(
    (function* pairs(): Generator<[string, string]> {
      for (const piece of pieces) {
        if (piece === '') continue;
        const equals = piece.indexOf('=');
        yield equals < 0 ? [formText(piece), ''] : [formText(piece.slice(0, equals)), formText(piece.slice(equals + 1))];
      }
    })(),
  );
}

const NEEDS_DECODING = /[%+\x80-\xff]/;

function formText(latin1: string): string {
  if (!NEEDS_DECODING.test(latin1)) return latin1;
  const bytes = Buffer.allocUnsafe(latin1.length);
  let length = 0;
  for (let index = 0; index < latin1.length; index += 1) {
    const code = latin1.charCodeAt(index);
    if (code === 0x2b) {
      bytes[length++] = 0x20;
      continue;
    }
    if (code === 0x25 && index + 2 < latin1.length) {
      const high = hexDigit(latin1.charCodeAt(index + 1));
      const low = hexDigit(latin1.charCodeAt(index + 2));
      if (high >= 0 && low >= 0) {
        bytes[length++] = high * 16 + low;
        index += 2;
        continue;
      }
    }
    bytes[length++] = code;
  }
  try {
    return utf8.decode(bytes.subarray(0, length));
  } catch {
    throw malformed(FORM_NOT_UTF8);
  }
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * multer's `.none()` with busboy: text fields only, a file part is refused,
 * a repeated field becomes a list (the validators then refuse it).
 *
 * busboy decodes each field itself, by the part's own `charset` parameter when it
 * has one and by `defCharset` otherwise, lossily, and does not say which it used.
 * So the body, buffered (it is capped at `limitBytes` anyway), is read with
 * `defCharset: 'latin1'`: a part that names no charset (what browsers, curl and
 * Postman send) then arrives as its bytes, one character each, decoded here
 * strictly as UTF-8. Only when some value holds a non-ASCII character is the body
 * read a second time with busboy's UTF-8 default: a value that reads the same both
 * times was decoded by the part's own charset, as the part asked; one that differs
 * came from a part without one, and is taken from its bytes.
 */
async function readMultipart(request: FastifyRequest, payload: NodeJS.ReadableStream, limitBytes: number): Promise<Record<string, unknown>> {
  const bytes = await readBody(request, payload, limitBytes);
  const headers = request.headers as IncomingHttpHeaders & { 'content-type': string };
  const raw = await multipartFields(headers, bytes, limitBytes, 'latin1');
  const sent = raw.some(([, value]) => value !== undefined && NON_ASCII.test(value)) ? await multipartFields(headers, bytes, limitBytes, 'utf8') : raw;
  if (sent.length !== raw.length) throw malformed(MULTIPART_ERROR);
  const fields = formObject(
    raw.map(([name, value], index): [string, string] => {
      const asSent = sent[index][1];
      // busboy has no decoder for the part's charset (Shift_JIS, say).
      if (value === undefined || asSent === undefined) throw unsupportedCharset();
      if (value === asSent) return [name, value];
      try {
        return [name, utf8.decode(Buffer.from(value, 'latin1'))];
      } catch {
        throw malformed(FORM_NOT_UTF8);
      }
    }),
  );
  const problem = bodyProblem(fields);
  if (problem) throw problem;
  return fields;
}

/** Any UTF-16 code unit above U+007F, surrogates included. */
const NON_ASCII = /[\u0080-\uffff]/;

/** The whole body, at most `limitBytes`; a longer one is drained, so the answer reaches a client that is still sending. */
function readBody(request: FastifyRequest, payload: NodeJS.ReadableStream, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    payload.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.length;
      if (received <= limitBytes) return void chunks.push(chunk);
      failed = true;
      chunks.length = 0;
      reject(tooLarge());
    });
    payload.on('error', () => {
      if (failed) return;
      failed = true;
      reject(malformed(BODY_INCOMPLETE));
    });
    payload.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, received));
    });
  });
}

/** The text fields of a multipart body in order, as busboy decodes them with `defCharset`. */
function multipartFields(
  headers: IncomingHttpHeaders & { 'content-type': string },
  bytes: Buffer,
  limitBytes: number,
  defCharset: string,
): Promise<Array<[string, string | undefined]>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        defCharset,
        // busboy counts the closing delimiter against `parts`: one more lets MAX_FORM_FIELDS fields through, as in a urlencoded form.
        limits: { fieldSize: limitBytes, fields: MAX_FORM_FIELDS, parts: MAX_FORM_FIELDS + 1, files: 0, fieldNameSize: MAX_FIELD_NAME_BYTES },
      });
    } catch {
      // No boundary, or not multipart after all.
      return reject(malformed(MULTIPART_ERROR));
    }
    const fields: Array<[string, string | undefined]> = [];
    let failed = false;
    const fail = (error: ApiException): void => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    parser.on('field', (name: string | undefined, value: string | undefined, info) => {
      if (!name || info.nameTruncated) return fail(malformed(MULTIPART_ERROR));
      if (info.valueTruncated) return fail(tooLarge());
      fields.push([name, value]);
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
      if (!failed) resolve(fields);
    });
    parser.end(bytes);
  });
}
