import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppConfig } from '../config/app-config';
import { renderError, replyWithError } from './error-response';
import { securityHeadersFor } from './security-headers';

export const MALFORMED_REQUEST = 'Malformed request.';
export const URI_TOO_LONG = 'Request URI is too long.';
export const HANDLER_TIMEOUT_DETAIL = 'The request took too long to process. Please retry shortly.';

function sendError(reply: FastifyReply, status: number, detail: string, headers: Record<string, string> = {}): void {
  replyWithError(reply, { status, detail, headers });
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
}

/**
 * Requests Node rejects before Fastify sees them (oversized headers, bad
 * framing, too slow) still get DRF's `{"detail": ...}` instead of Node's
 * bare status line. The request was not parsed, so there is no `Accept` to
 * negotiate with: the default form.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
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
        : [400, MALFORMED_REQUEST];
  const { contentType, body } = renderError({ status, detail }, undefined);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The router's own refusals, before any hook runs: a URL that does not
 * decode (`/api/leads/%zz`) or a path parameter past the URL limit.
 */
export function answerFrameworkError(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  reply.headers(securityHeadersFor(request.url));
  sendError(reply, status, status === 414 ? URI_TOO_LONG : MALFORMED_REQUEST);
}

/**
 * 414 before any routing or parsing work is spent on an absurd URL; and a
 * last-resort deadline for the whole handler chain (guards included): the
 * client gets a 503 it can retry instead of a hanging socket. Database
 * timeouts are shorter, so the deadline only fires when something else is stuck.
 * It covers the handler, not the transfer: once a streamed answer has begun,
 * it runs for as long as the client takes to read it.
 */
export function installRequestLimits(fastify: FastifyInstance, http: AppConfig['http']): void {
  const { maxUrlLength, handlerTimeoutMs } = http;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.url.length > maxUrlLength) return sendError(reply, 414, URI_TOO_LONG);
    const timer = setTimeout(() => {
      // A streamed answer (the plain list of leads) has its status out already: it is not stuck, only long.
      if (!reply.sent && !reply.raw.headersSent) sendError(reply, 503, HANDLER_TIMEOUT_DETAIL, { 'Retry-After': '5', Connection: 'close' });
    }, handlerTimeoutMs);
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}

/**
 * `Host` or `Authorization` when `rawHeaders` carries that header more than
 * once (names compared case-insensitively), else null. Node keeps the first
 * of each in `request.headers` and silently drops the others, so a proxy that
 * reads the last one and this server would disagree about which host, or
 * whose credential, the request carries; rawHeaders still lists them all.
 */
export function duplicatedSingleHeader(rawHeaders: readonly string[]): string | null {
  let host = 0;
  let authorization = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    // Compare lengths first: most names are neither, and lower-casing every name would cost more.
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (++host > 1) return 'Host';
    } else if (name.length === 13 && name.toLowerCase() === 'authorization') {
      if (++authorization > 1) return 'Authorization';
    }
  }
  return null;
}

export const duplicateHeaderDetail = (name: string): string => `Multiple "${name}" headers are not allowed.`;

/**
 * 400 for a request with two `Host` or two `Authorization` headers, in
 * `onRequest`, so before routing, body parsing and authentication.
 */
export function installDuplicateHeaderCheck(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const duplicated = duplicatedSingleHeader(request.raw.rawHeaders);
    if (duplicated !== null) return sendError(reply, 400, duplicateHeaderDetail(duplicated));
    done();
  });
}
