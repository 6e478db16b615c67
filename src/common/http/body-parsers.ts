import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import multer from 'multer';
import { problem } from './problem-details';

export const BODY_LIMIT_BYTES = 100 * 1024;

const JSON_TYPES = ['application/json', 'application/*+json'];
const FORM_TYPE = 'application/x-www-form-urlencoded';
const MULTIPART_TYPE = 'multipart/form-data';

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function send(response: Response, status: number, detail: string): void {
  response.status(status).type('application/problem+json').send(JSON.stringify(problem(status, detail)));
}

/**
 * JSON, urlencoded and multipart text fields, as DRF's default parsers accept,
 * each capped at 100 kB; any other body type is a 415 before a handler runs.
 */
export function bodyParsers(limitBytes = BODY_LIMIT_BYTES): RequestHandler[] {
  const upload = multer({
    limits: { fileSize: 0, files: 0, fields: 100, fieldSize: limitBytes, parts: 100, fieldNameSize: 200 },
  }).none();

  const gate: RequestHandler = (request: Request, response: Response, next: NextFunction) => {
    if (!hasBody(request)) return next();
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) return send(response, 413, 'Request body is too large.');
    if (request.is([...JSON_TYPES, FORM_TYPE, MULTIPART_TYPE])) return next();
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().slice(0, 100);
    return send(response, 415, `Unsupported media type "${type}" in request.`);
  };

  const multipart: RequestHandler = (request, response, next) => {
    if (!request.is(MULTIPART_TYPE)) return next();
    upload(request, response, (error?: unknown) => {
      if (error) return next(error);
      // multer builds a null-prototype object; the validators expect a plain one.
      request.body = { ...(request.body as object) };
      next();
    });
  };

  return [
    gate,
    express.json({ limit: limitBytes, type: JSON_TYPES, strict: false }),
    express.urlencoded({ limit: limitBytes, extended: false, type: FORM_TYPE, parameterLimit: 100 }),
    multipart,
    jsonShapeGuard,
  ];
}

/** With the `u` flag a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const wellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/** Deeper than any body this API takes; deep enough that recursive validators would overflow the stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * JSON that parses can still break what reads it: thousands of nested arrays
 * overflow class-transformer's recursion, and a lone UTF-16 surrogate
 * (`"\ud800"`) makes the e-mail validator throw. Both are refused here as
 * malformed bodies, iteratively, before any of that code runs.
 */
const jsonShapeGuard: RequestHandler = (request: Request, response: Response, next: NextFunction) => {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null) {
    if (typeof body === 'string' && !wellFormed(body)) return send(response, 400, 'JSON parse error - the body contains an unpaired surrogate.');
    return next();
  }
  const stack: Array<[unknown, number]> = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (!wellFormed(value)) return send(response, 400, 'JSON parse error - the body contains an unpaired surrogate.');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) return send(response, 400, `JSON parse error - nesting deeper than ${MAX_JSON_DEPTH} levels.`);
    for (const [key, item] of Object.entries(value)) {
      if (!wellFormed(key)) return send(response, 400, 'JSON parse error - the body contains an unpaired surrogate.');
      stack.push([item, depth + 1]);
    }
  }
  next();
};
