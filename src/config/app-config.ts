import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { parseDuration } from './duration';

export interface AppConfig {
  host: string;
  port: number;
  /** Null: run an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  databasePoolSize: number;
  dataDir: string;
  embeddedPostgresPort: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  auth: {
    /** Milliseconds; null = tokens never expire. */
    tokenTtlMs: number | null;
    autoRefresh: boolean;
    /** Milliseconds after creation beyond which auto-refresh stops; null = no cap. */
    autoRefreshMaxTtlMs: number | null;
    minRefreshIntervalMs: number;
    tokenLimitPerUser: number | null;
    tokenPrefix: string;
    pruneIntervalMs: number;
  };
  throttle: {
    /** Requests allowed per window; null = that limit is off. */
    loginPerIp: number | null;
    loginPerUsername: number | null;
    registerPerIp: number | null;
    /** Password changes per authenticated user. */
    passwordChangePerUser: number | null;
    windowMs: number;
  };
  /** Null: throttle counters live in this process's memory. */
  redisUrl: string | null;
  redisKeyPrefix: string;
  /** Express `trust proxy`: false, a hop count, or a list of trusted addresses/subnets. */
  trustProxy: boolean | number | string;
  /** `scheme://host[:port][/prefix]` clients reach the API at, for absolute links; null = from an allowed Host. */
  publicUrl: string | null;
  /** Django's ALLOWED_HOSTS, lower-case: hosts whose `Host` (or trusted X-Forwarded-Host) links may be built from. */
  allowedHosts: string[];
  /** DRF's PAGE_SIZE for the list of leads: every list is a page of this size; null = a plain list unless `limit` is given. */
  leadsPageSize: number | null;
  http: {
    bodyLimitBytes: number;
    maxHeaderSize: number;
    maxUrlLength: number;
    /** Time to receive a whole request (slow-client protection). */
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    keepAliveTimeoutMs: number;
    /** Time a handler may take before the client gets a 503. */
    handlerTimeoutMs: number;
  };
  databaseConnectTimeoutMs: number;
  databaseStatementTimeoutMs: number;
  /** False in cluster workers: the primary has already migrated. */
  databaseMigrate: boolean;
  shutdownTimeoutMs: number;
  /** On SIGTERM/SIGINT, how long to keep serving (readiness 503, `Connection: close`) before the listener closes; 0 = close at once. */
  shutdownLameDuckMs: number;
  /** 0 = no cluster (one process). */
  clusterWorkers: number;
  /** Signs CSRF tokens; null = generated once and kept in `${dataDir}/secret-key`. */
  secretKey: string | null;
  /** Mark the session and CSRF cookies Secure even when a request did not arrive over HTTPS. */
  cookieSecure: boolean;
  /** Origins allowed to call with credentials (CORS) and trusted by the CSRF origin check; empty = CORS off. */
  corsOrigins: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Keeps `now + duration` a valid date (Date ends ~275,000 years out) with room to spare. */
const MAX_DURATION = { ms: 36_500 * 86_400_000, label: '36500d' };
/** The longest delay setInterval honours; past it Node fires the timer every millisecond. */
const MAX_TIMER_DELAY = { ms: 2_147_483_647, label: '24d' };

/**
 * Reads and validates every setting at once so that a bad deployment is told
 * about all of its mistakes in one go, each naming its variable.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const duration = (name: string, fallback: string, allowNone: boolean, max = MAX_DURATION): number | null => {
    const raw = read(name) ?? fallback;
    const value = parseDuration(raw);
    if (value === undefined || (value === null && !allowNone) || (value !== null && value <= 0)) {
      const hint = allowNone ? 'a duration such as 10h, 30m, 90s or none' : 'a positive duration such as 60s';
      problems.push(`${name} must be ${hint} (got "${raw}")`);
      return parseDuration(fallback) ?? null;
    }
    if (value !== null && value > max.ms) {
      problems.push(`${name} must be at most ${max.label} (got "${raw}")`);
      return parseDuration(fallback) ?? null;
    }
    return value;
  };

  const databaseUrl = read('DATABASE_URL') ?? null;
  if (databaseUrl !== null) {
    try {
      const url = new URL(databaseUrl);
      if (!['postgres:', 'postgresql:'].includes(url.protocol)) throw new Error('protocol');
    } catch {
      problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
    }
  }

  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')} (got "${logLevel}")`);
  }

  const tokenPrefix = read('AUTH_TOKEN_PREFIX') ?? '';
  if (!/^[A-Za-z0-9_]{0,10}$/.test(tokenPrefix)) {
    problems.push('AUTH_TOKEN_PREFIX must be at most 10 characters of A-Z, a-z, 0-9 and _');
  }

  const limitRaw = read('AUTH_TOKEN_LIMIT_PER_USER');
  let tokenLimitPerUser: number | null = null;
  if (limitRaw !== undefined && limitRaw.toLowerCase() !== 'none') {
    tokenLimitPerUser = int('AUTH_TOKEN_LIMIT_PER_USER', 0, 1, 1_000_000) || null;
  }

  const optionalLimit = (name: string, fallback: number): number | null => {
    const raw = read(name);
    if (raw !== undefined && ['none', 'off'].includes(raw.toLowerCase())) return null;
    return int(name, fallback, 1, 1_000_000);
  };

  const redisUrl = read('REDIS_URL') ?? null;
  if (redisUrl !== null) {
    try {
      const url = new URL(redisUrl);
      if (!['redis:', 'rediss:'].includes(url.protocol)) throw new Error('protocol');
    } catch {
      problems.push('REDIS_URL must be a redis:// or rediss:// URL');
    }
  }

  const trustProxy = parseTrustProxy(read('TRUST_PROXY'));
  if (trustProxy === undefined) {
    problems.push('TRUST_PROXY must be false, true, a hop count, or a comma-separated list of IP addresses/CIDR subnets (loopback, linklocal, uniquelocal allowed)');
  }

  const publicUrlRaw = read('PUBLIC_URL');
  const publicUrl = publicUrlRaw === undefined ? null : parsePublicUrl(publicUrlRaw);
  if (publicUrl === undefined) {
    problems.push('PUBLIC_URL must be an http:// or https:// URL such as https://api.example.com, optionally with a path prefix, without user, password, query or fragment');
  }

  const allowedHosts = (read('ALLOWED_HOSTS') ?? DEFAULT_ALLOWED_HOSTS).split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  const badHosts = allowedHosts.filter((entry) => !ALLOWED_HOST_PATTERN.test(entry));
  if (badHosts.length > 0) {
    problems.push(
      `ALLOWED_HOSTS must be a comma-separated list of host names without port (api.example.com), .example.com for a domain and its subdomains, IP addresses ([::1] for IPv6) or * (got "${badHosts.join('", "')}")`,
    );
  }

  const clusterRaw = read('NODE_CLUSTER_WORKERS');
  let clusterWorkers = 0;
  if (clusterRaw?.toLowerCase() === 'auto') clusterWorkers = availableParallelism();
  else if (clusterRaw !== undefined) clusterWorkers = int('NODE_CLUSTER_WORKERS', 0, 0, 256);

  const secretKey = read('SECRET_KEY') ?? null;
  if (secretKey !== null && secretKey.length < MIN_SECRET_KEY_LENGTH) {
    problems.push(`SECRET_KEY must be at least ${MIN_SECRET_KEY_LENGTH} characters (got ${secretKey.length}); unset it to have one generated in DATA_DIR/secret-key`);
  }

  const corsOrigins = (read('CORS_ORIGINS') ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const badOrigins = corsOrigins.filter((entry) => parseOrigin(entry) === null);
  if (badOrigins.length > 0) {
    problems.push(`CORS_ORIGINS must be a comma-separated list of origins such as https://app.example.com (got "${badOrigins.join('", "')}")`);
  }

  const positive = (name: string, fallback: string): number => duration(name, fallback, false) ?? (parseDuration(fallback) as number);
  const zeroOrMore = (name: string, fallback: string): number => {
    const raw = read(name) ?? fallback;
    const value = parseDuration(raw);
    if (typeof value === 'number' && value <= MAX_TIMER_DELAY.ms) return value;
    problems.push(`${name} must be 0 or a duration such as 5s, at most ${MAX_TIMER_DELAY.label} (got "${raw}")`);
    return parseDuration(fallback) as number;
  };

  const config: AppConfig = {
    host: read('HOST') ?? '127.0.0.1',
    port: int('PORT', 3000, 0, 65535),
    databaseUrl,
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
    dataDir: read('DATA_DIR') ?? '.data',
    embeddedPostgresPort: int('EMBEDDED_POSTGRES_PORT', 54329, 1, 65535),
    logLevel: logLevel as AppConfig['logLevel'],
    auth: {
      tokenTtlMs: duration('AUTH_TOKEN_TTL', '10h', true),
      autoRefresh: bool('AUTH_AUTO_REFRESH', false),
      autoRefreshMaxTtlMs: duration('AUTH_AUTO_REFRESH_MAX_TTL', 'none', true),
      minRefreshIntervalMs: duration('AUTH_MIN_REFRESH_INTERVAL', '60s', false) ?? 60_000,
      tokenLimitPerUser,
      tokenPrefix,
      pruneIntervalMs: duration('AUTH_TOKEN_PRUNE_INTERVAL', '1h', false, MAX_TIMER_DELAY) ?? 3_600_000,
    },
    throttle: {
      loginPerIp: optionalLimit('THROTTLE_LOGIN_PER_IP', 30),
      loginPerUsername: optionalLimit('THROTTLE_LOGIN_PER_USERNAME', 10),
      registerPerIp: optionalLimit('THROTTLE_REGISTER_PER_IP', 10),
      passwordChangePerUser: optionalLimit('THROTTLE_PASSWORD_CHANGE_PER_USER', 5),
      windowMs: positive('THROTTLE_WINDOW', '60s'),
    },
    redisUrl,
    redisKeyPrefix: read('REDIS_KEY_PREFIX') ?? 'leads-api:',
    trustProxy: trustProxy ?? false,
    publicUrl: publicUrl ?? null,
    allowedHosts,
    leadsPageSize: read('LEADS_PAGE_SIZE') === undefined ? null : int('LEADS_PAGE_SIZE', 1, 1, 100),
    http: {
      bodyLimitBytes: int('HTTP_BODY_LIMIT', 100 * 1024, 1024, 100 * 1024 * 1024),
      maxHeaderSize: int('HTTP_MAX_HEADER_SIZE', 16 * 1024, 1024, 1024 * 1024),
      maxUrlLength: int('HTTP_MAX_URL_LENGTH', 8 * 1024, 256, 1024 * 1024),
      requestTimeoutMs: positive('HTTP_REQUEST_TIMEOUT', '30s'),
      headersTimeoutMs: positive('HTTP_HEADERS_TIMEOUT', '20s'),
      keepAliveTimeoutMs: positive('HTTP_KEEP_ALIVE_TIMEOUT', '5s'),
      handlerTimeoutMs: positive('HTTP_HANDLER_TIMEOUT', '30s'),
    },
    databaseConnectTimeoutMs: positive('DATABASE_CONNECT_TIMEOUT', '5s'),
    databaseStatementTimeoutMs: positive('DATABASE_STATEMENT_TIMEOUT', '15s'),
    databaseMigrate: bool('DATABASE_MIGRATE', true),
    shutdownTimeoutMs: positive('SHUTDOWN_TIMEOUT', '10s'),
    shutdownLameDuckMs: zeroOrMore('SHUTDOWN_LAME_DUCK', '0s'),
    clusterWorkers,
    secretKey,
    cookieSecure: bool('COOKIE_SECURE', false),
    corsOrigins: corsOrigins.map((entry) => parseOrigin(entry) ?? entry),
  };
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    problems.push('HTTP_HEADERS_TIMEOUT must not be longer than HTTP_REQUEST_TIMEOUT');
  }
  if (config.http.maxUrlLength >= config.http.maxHeaderSize) {
    problems.push('HTTP_MAX_URL_LENGTH must be smaller than HTTP_MAX_HEADER_SIZE (the request line counts towards the header size)');
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The connection string with its password replaced, safe for logs. */
export function maskDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}

export const MIN_SECRET_KEY_LENGTH = 32;

/** `scheme://host[:port]` as browsers send it in `Origin`, or null for anything with a path, query or credentials. */
export function parseOrigin(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) return null;
    if (url.pathname !== '/' || !/^[a-z]+:\/\/[^/]+\/?$/i.test(raw)) return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** Django's default when DEBUG is on: the loopback names only. */
export const DEFAULT_ALLOWED_HOSTS = 'localhost,127.0.0.1,[::1]';
/** `*`, a name or IPv4 address (`.` first for a domain and its subdomains), or a bracketed IPv6 address. */
const ALLOWED_HOST_PATTERN = /^(?:\*|\.?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f]*:[0-9a-f.:]+\])$/;

/** `scheme://host[:port][/prefix]` without a trailing slash, or undefined for anything else. */
function parsePublicUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || /[?#]/.test(raw)) return undefined;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Off by default: behind no proxy, X-Forwarded-For is whatever the client
 * wrote, and trusting it would let anyone pick the IP the throttle counts.
 * Returns undefined for a value Express would not understand.
 */
function parseTrustProxy(raw: string | undefined): boolean | number | string | undefined {
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (/^\d+$/.test(raw)) return Number(raw) <= 100 ? Number(raw) : undefined;
  const entries = raw.split(',').map((entry) => entry.trim());
  const valid = entries.every((entry) => {
    if (PROXY_NAMES.has(entry)) return true;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    if (bits === undefined) return true;
    return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  });
  return valid ? entries.join(',') : undefined;
}
