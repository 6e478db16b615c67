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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

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

  const duration = (name: string, fallback: string, allowNone: boolean): number | null => {
    const raw = read(name) ?? fallback;
    const value = parseDuration(raw);
    if (value === undefined || (value === null && !allowNone) || (value !== null && value <= 0)) {
      const hint = allowNone ? 'a duration such as 10h, 30m, 90s or none' : 'a positive duration such as 60s';
      problems.push(`${name} must be ${hint} (got "${raw}")`);
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
      pruneIntervalMs: duration('AUTH_TOKEN_PRUNE_INTERVAL', '1h', false) ?? 3_600_000,
    },
  };

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
