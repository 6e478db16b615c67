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
  ];
}
