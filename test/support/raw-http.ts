import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes exactly as given, for requests Node's HTTP client refuses to
 * build (DEL or UTF-8 bytes in a header value, for instance).
 */
export function rawRequest(baseUrl: string, head: Buffer, body = Buffer.alloc(0)): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(parse(Buffer.concat(chunks).toString('latin1'))));
    socket.write(Buffer.concat([head, body]));
  });
}

/** A GET with `Connection: close` and the given Authorization value as raw bytes. */
export function rawGetWithAuthorization(baseUrl: string, path: string, authorization: Buffer): Promise<RawResponse> {
  const head = Buffer.concat([
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: `, 'latin1'),
    authorization,
    Buffer.from('\r\n\r\n', 'latin1'),
  ]);
  return rawRequest(baseUrl, head);
}

function parse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = text.slice(0, end < 0 ? text.length : end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: end < 0 ? '' : text.slice(end + 4) };
}
