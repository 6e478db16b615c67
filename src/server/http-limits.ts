import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppConfig } from '../config/app-config';
import { problem } from '../common/http/problem-details';

export const HANDLER_TIMEOUT_DETAIL = 'The request took too long to process. Please retry shortly.';

function sendProblem(response: Response, status: number, detail: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.status(status).type('application/problem+json').send(JSON.stringify(problem(status, detail)));
}

/**
 * Node's own limits on the raw HTTP exchange: header size, and how long a
 * client may take to send its headers and its whole request (a slowloris
 * cannot hold sockets open forever).
 */
export function applyServerLimits(server: Server, http: AppConfig['http']): void {
  // Read by Node for each new connection, so setting it after creation works.
  (server as Server & { maxHeaderSize?: number }).maxHeaderSize = http.maxHeaderSize;
  server.requestTimeout = http.requestTimeoutMs;
  server.headersTimeout = http.headersTimeoutMs;
  server.keepAliveTimeout = http.keepAliveTimeoutMs;
  server.on('clientError', answerClientError);
}

/**
 * Requests Node rejects before Express sees them (oversized headers, bad
 * framing, too slow) still get a problem-details answer instead of Node's
 * bare status line.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request header fields are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time.']
        : [400, 'Malformed request.'];
  const body = JSON.stringify(problem(status, detail));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** 414 before any routing or parsing work is spent on an absurd URL. */
export function urlLengthLimit(maxLength: number): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    if (request.originalUrl.length > maxLength) return sendProblem(response, 414, 'Request URI is too long.');
    next();
  };
}

/**
 * A last-resort deadline for the whole handler chain (guards included): the
 * client gets a 503 it can retry instead of a hanging socket. Database
 * timeouts are shorter, so this only fires when something else is stuck.
 */
export function handlerTimeout(timeoutMs: number): RequestHandler {
  return (_request: Request, response: Response, next: NextFunction) => {
    const timer = setTimeout(() => {
      if (response.headersSent) return;
      sendProblem(response, 503, HANDLER_TIMEOUT_DETAIL, { 'Retry-After': '5', Connection: 'close' });
    }, timeoutMs);
    const clear = () => clearTimeout(timer);
    response.once('finish', clear);
    response.once('close', clear);
    next();
  };
}
