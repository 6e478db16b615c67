import { Agent, request } from 'node:http';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: unknown;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Header values Node refuses to send are made sendable: the parser tests in auth-header cover raw bytes. */
export function sendable(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

/** Percent-encodes every byte of the UTF-8 form (lone surrogates included, as U+FFFD). */
export function percentEncode(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex').replace(/../g, '%$&');
}

/** Node refuses a path with spaces or non-ASCII: those characters go out percent-encoded, the rest as written. */
function sendablePath(path: string): string {
  return path.replace(/[^\x21-\x7e]+/g, (run) => percentEncode(run));
}

/**
 * Any method, any path, any header, any body bytes: what supertest will not
 * build (unknown methods, malformed paths) goes out as written.
 */
export function send(baseUrl: string, fuzz: FuzzRequest): Promise<FuzzResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(fuzz.headers)) headers[name] = sendable(value);
    if (fuzz.body) headers['content-length'] = String(fuzz.body.length);
    const outgoing = request({ host: hostname, port: Number(port), method: fuzz.method, path: sendablePath(fuzz.path), headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
    });
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error(`no answer to ${fuzz.method} ${fuzz.path}`)));
    outgoing.on('error', reject);
    outgoing.end(fuzz.body);
  });
}

export function closeFuzzAgent(): void {
  agent.destroy();
}
