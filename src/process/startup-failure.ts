import { StartupError } from '../database/startup-error';

export interface StartupContext {
  host: string;
  port: number;
  /** DATABASE_URL, when the server was given one (the embedded PostgreSQL's own URL is not reported). */
  databaseUrl: string | null;
}

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  cause?: unknown;
  driverError?: unknown;
  address?: unknown;
  port?: unknown;
  syscall?: unknown;
}

/** The one line for any error thrown while starting, given what the server was asked to do. */
export function describeStartupFailure(error: unknown, context: StartupContext): string {
  const found = findError(error);
  if (found instanceof StartupError) return found.message;
  const shape = (found ?? {}) as ErrorShape;
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  if (code === 'EADDRINUSE' && shape.syscall === 'listen') {
    return `port ${context.port} on ${context.host} is in use by another program: stop it, or set PORT to a free port`;
  }
  if (code === 'EADDRNOTAVAIL' && shape.syscall === 'listen') {
    return `cannot listen on ${context.host}: no network interface of this machine has that address (set HOST, e.g. 127.0.0.1 or 0.0.0.0)`;
  }
  if (code === 'EACCES' && shape.syscall === 'listen') {
    return `not allowed to listen on port ${context.port} (ports below 1024 need root): set PORT to 1024 or above`;
  }
  const database = context.databaseUrl === null ? null : describeUrl(context.databaseUrl);
  if (database !== null && code !== undefined) {
    const where = `${database.host}:${database.port}`;
    switch (code) {
      case '3D000':
        return (
          `database "${database.name}" does not exist on ${where}; create it with: ` +
          `createdb -h ${database.host}${database.port === '5432' ? '' : ` -p ${database.port}`} -U ${database.user} ${database.name}`
        );
      case '28P01':
        return `PostgreSQL on ${where} refused the password of user "${database.user}": check the password in DATABASE_URL`;
      case '28000':
        return `PostgreSQL on ${where} refused the connection: ${firstLine(shape.message)} (check the user in DATABASE_URL and the server's pg_hba.conf)`;
      case 'ECONNREFUSED':
        return `nothing accepts connections on ${where} (DATABASE_URL): start PostgreSQL there, or fix DATABASE_URL`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `the database host "${database.host}" in DATABASE_URL cannot be resolved: fix DATABASE_URL`;
      case 'ETIMEDOUT':
        return `PostgreSQL on ${where} did not answer in time (DATABASE_URL, DATABASE_CONNECT_TIMEOUT)`;
    }
    if (/^[0-9A-Z]{5}$/.test(code)) return `PostgreSQL on ${where} refused to start the app: ${firstLine(shape.message)} (SQLSTATE ${code})`;
  }
  if (database !== null && typeof shape.message === 'string' && /timeout/i.test(shape.message)) {
    return `PostgreSQL on ${database.host}:${database.port} did not answer in time (DATABASE_URL, DATABASE_CONNECT_TIMEOUT)`;
  }
  const message = firstLine(shape.message) || firstLine(error instanceof Error ? error.message : String(error));
  return `${message || 'unknown error'}${code ? ` (${code})` : ''}`;
}

/** The innermost error that says most: our own, else the first with a code, looking through causes and AggregateErrors. */
function findError(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null || depth > 5) return error;
  if (error instanceof StartupError) return error;
  const shape = error as ErrorShape;
  const inner = [shape.driverError, shape.cause, ...(Array.isArray(shape.errors) ? shape.errors : [])]
    .map((candidate) => findError(candidate, depth + 1))
    .filter((candidate) => typeof candidate === 'object' && candidate !== null);
  const ours = inner.find((candidate) => candidate instanceof StartupError);
  if (ours) return ours;
  if (typeof shape.code === 'string') return error;
  return inner.find((candidate) => typeof (candidate as ErrorShape).code === 'string') ?? error;
}

function describeUrl(raw: string): { host: string; port: string; user: string; name: string } | null {
  try {
    const url = new URL(raw);
    return {
      host: url.hostname || 'localhost',
      port: url.port || '5432',
      user: decodeURIComponent(url.username) || 'postgres',
      name: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres',
    };
  } catch {
    return null;
  }
}

function firstLine(message: unknown): string {
  return typeof message === 'string' ? oneLine(message.split('\n')[0]) : '';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
