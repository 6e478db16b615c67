/** Socket-level failures on the way to PostgreSQL. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs that mean "the server cannot serve this now", not "the query is
 * wrong": connection exceptions (08), insufficient resources (53), operator
 * intervention such as shutdown or a statement timeout (57), and the
 * serialization/deadlock failures a retry resolves.
 */
const SQLSTATE_CLASSES = ['08', '53', '57'];
const SQLSTATE_RETRYABLE = new Set(['40001', '40P01']);

/** pg and pg-pool raise these as plain Errors without a code. */
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|Connection terminated due to connection timeout|Client was closed and is not queryable|Cannot use a pool after calling end/i;

/**
 * True when an error means the database is unreachable or overloaded, so the
 * client should get a 503 and retry. Looks through `cause` chains and
 * AggregateError (Node's happy-eyeballs connect: one error per address).
 */
export function isDatabaseUnavailable(exception: unknown, depth = 0): boolean {
  if (typeof exception !== 'object' || exception === null || depth > 5) return false;
  const error = exception as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof error.code === 'string') {
    const code = error.code;
    if (NETWORK_CODES.has(code) || SQLSTATE_RETRYABLE.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  if (typeof error.message === 'string' && MESSAGES.test(error.message)) return true;
  if (Array.isArray(error.errors) && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return error.cause !== undefined && isDatabaseUnavailable(error.cause, depth + 1);
}
