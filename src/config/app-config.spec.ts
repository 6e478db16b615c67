import { ConfigError, loadConfig, maskDatabaseUrl } from './app-config';
import { parseDuration } from './duration';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The problems a configuration was refused for, or [] when it loaded. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('parseDuration', () => {
  it.each([
    ['10h', 10 * HOUR],
    ['30m', 30 * MINUTE],
    ['90s', 90 * SECOND],
    ['250ms', 250],
    ['7d', 7 * DAY],
    ['90', 90 * SECOND],
    ['1.5h', 1.5 * HOUR],
    [' 10H ', 10 * HOUR],
  ])('reads %j as %d ms', (raw, ms) => {
    expect(parseDuration(raw)).toBe(ms);
  });

  it.each(['none', 'NONE', 'null'])('reads %j as "no limit" (null)', (raw) => {
    expect(parseDuration(raw)).toBeNull();
  });

  it.each(['', 'abc', '-5s', '10 hours', '1e3', '10w', '1h30m', 'h'])('refuses %j', (raw) => {
    expect(parseDuration(raw)).toBeUndefined();
  });
});

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: null,
      databasePoolSize: 10,
      dataDir: '.data',
      embeddedPostgresPort: 54329,
      logLevel: 'info',
      auth: {
        tokenTtlMs: 10 * HOUR,
        autoRefresh: false,
        autoRefreshMaxTtlMs: null,
        minRefreshIntervalMs: 60 * SECOND,
        tokenLimitPerUser: null,
        tokenPrefix: '',
        pruneIntervalMs: HOUR,
      },
    });
  });

  it('reads every accounts-related variable', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      DATABASE_URL: 'postgresql://app:secret@db.internal:5432/leads',
      DATABASE_POOL_SIZE: '25',
      DATA_DIR: '/var/lib/leads',
      EMBEDDED_POSTGRES_PORT: '55432',
      LOG_LEVEL: 'DEBUG',
      AUTH_TOKEN_TTL: '30m',
      AUTH_AUTO_REFRESH: 'yes',
      AUTH_AUTO_REFRESH_MAX_TTL: '7d',
      AUTH_MIN_REFRESH_INTERVAL: '5s',
      AUTH_TOKEN_LIMIT_PER_USER: '5',
      AUTH_TOKEN_PREFIX: 'leads_',
      AUTH_TOKEN_PRUNE_INTERVAL: '15m',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      databaseUrl: 'postgresql://app:secret@db.internal:5432/leads',
      databasePoolSize: 25,
      dataDir: '/var/lib/leads',
      embeddedPostgresPort: 55432,
      logLevel: 'debug',
      auth: {
        tokenTtlMs: 30 * MINUTE,
        autoRefresh: true,
        autoRefreshMaxTtlMs: 7 * DAY,
        minRefreshIntervalMs: 5 * SECOND,
        tokenLimitPerUser: 5,
        tokenPrefix: 'leads_',
        pruneIntervalMs: 15 * MINUTE,
      },
    });
  });

  it('accepts `none` where knox does: token TTL, max TTL and the per-user limit', () => {
    const config = loadConfig({ AUTH_TOKEN_TTL: 'none', AUTH_AUTO_REFRESH_MAX_TTL: 'None', AUTH_TOKEN_LIMIT_PER_USER: 'none' });
    expect(config.auth).toMatchObject({ tokenTtlMs: null, autoRefreshMaxTtlMs: null, tokenLimitPerUser: null });
  });

  it('treats empty or blank variables as unset', () => {
    expect(loadConfig({ PORT: '', AUTH_TOKEN_TTL: '   ', AUTH_TOKEN_PREFIX: '' })).toMatchObject({ port: 3000, auth: { tokenTtlMs: 10 * HOUR, tokenPrefix: '' } });
  });

  it.each(['true', 'TRUE', '1', 'yes', 'on'])('reads %j as true', (raw) => {
    expect(loadConfig({ AUTH_AUTO_REFRESH: raw }).auth.autoRefresh).toBe(true);
  });

  it.each(['false', '0', 'no', 'OFF'])('reads %j as false', (raw) => {
    expect(loadConfig({ AUTH_AUTO_REFRESH: raw }).auth.autoRefresh).toBe(false);
  });

  it('reports every bad variable together, each message naming its variable', () => {
    const bad: Record<string, string> = {
      PORT: '70000',
      DATABASE_URL: 'mysql://root@localhost/leads',
      DATABASE_POOL_SIZE: '0',
      EMBEDDED_POSTGRES_PORT: 'five',
      LOG_LEVEL: 'loud',
      AUTH_TOKEN_TTL: '10 hours',
      AUTH_AUTO_REFRESH: 'maybe',
      AUTH_AUTO_REFRESH_MAX_TTL: '-1h',
      AUTH_MIN_REFRESH_INTERVAL: 'none',
      AUTH_TOKEN_LIMIT_PER_USER: '0',
      AUTH_TOKEN_PREFIX: 'bad-prefix!',
      AUTH_TOKEN_PRUNE_INTERVAL: '0s',
    };
    const problems = problemsOf(bad);
    expect(problems).toHaveLength(Object.keys(bad).length);
    for (const name of Object.keys(bad)) {
      expect(problems.filter((problem) => problem.startsWith(`${name} `))).toHaveLength(1);
    }
    expect(() => loadConfig(bad)).toThrow(/^Invalid configuration:\n {2}- /);
  });

  it('says what a good value looks like and what it got', () => {
    expect(problemsOf({ AUTH_TOKEN_TTL: 'forever' })).toEqual(['AUTH_TOKEN_TTL must be a duration such as 10h, 30m, 90s or none (got "forever")']);
    expect(problemsOf({ AUTH_MIN_REFRESH_INTERVAL: 'none' })).toEqual(['AUTH_MIN_REFRESH_INTERVAL must be a positive duration such as 60s (got "none")']);
    expect(problemsOf({ AUTH_TOKEN_LIMIT_PER_USER: 'lots' })).toEqual(['AUTH_TOKEN_LIMIT_PER_USER must be an integer from 1 to 1000000 (got "lots")']);
    expect(problemsOf({ PORT: '-1' })).toEqual(['PORT must be an integer from 0 to 65535 (got "-1")']);
  });

  it('limits password changes per user: 5 per THROTTLE_WINDOW by default, none or off for no limit', () => {
    expect(loadConfig({}).throttle.passwordChangePerUser).toBe(5);
    expect(loadConfig({ THROTTLE_PASSWORD_CHANGE_PER_USER: '12' }).throttle.passwordChangePerUser).toBe(12);
    expect(loadConfig({ THROTTLE_PASSWORD_CHANGE_PER_USER: 'none' }).throttle.passwordChangePerUser).toBeNull();
    expect(loadConfig({ THROTTLE_PASSWORD_CHANGE_PER_USER: 'OFF' }).throttle.passwordChangePerUser).toBeNull();
    expect(problemsOf({ THROTTLE_PASSWORD_CHANGE_PER_USER: '0' })).toEqual(['THROTTLE_PASSWORD_CHANGE_PER_USER must be an integer from 1 to 1000000 (got "0")']);
    expect(problemsOf({ THROTTLE_PASSWORD_CHANGE_PER_USER: 'five' })).toEqual(['THROTTLE_PASSWORD_CHANGE_PER_USER must be an integer from 1 to 1000000 (got "five")']);
  });

  it.each(['AUTH_TOKEN_TTL', 'AUTH_AUTO_REFRESH_MAX_TTL', 'AUTH_MIN_REFRESH_INTERVAL', 'AUTH_TOKEN_PRUNE_INTERVAL'])('refuses a zero or sub-millisecond %s', (name) => {
    expect(problemsOf({ [name]: '0' })).toEqual([expect.stringMatching(new RegExp(`^${name} must be`))]);
    expect(problemsOf({ [name]: '0.0001ms' })).toEqual([expect.stringMatching(new RegExp(`^${name} must be`))]);
  });

  it('refuses durations too long to compute an expiry date with', () => {
    // Past 100 years a token's expiry stops being a valid date (new Date(now + ttl) is Invalid Date beyond ~275,000 years).
    expect(problemsOf({ AUTH_TOKEN_TTL: '999999999d' })).toEqual([expect.stringMatching(/^AUTH_TOKEN_TTL must be/)]);
    expect(problemsOf({ AUTH_AUTO_REFRESH_MAX_TTL: '999999999d' })).toEqual([expect.stringMatching(/^AUTH_AUTO_REFRESH_MAX_TTL must be/)]);
    expect(loadConfig({ AUTH_TOKEN_TTL: '3650d' }).auth.tokenTtlMs).toBe(3650 * DAY);
  });

  it('refuses a prune interval longer than a timer can wait (Node would fire it every millisecond)', () => {
    expect(problemsOf({ AUTH_TOKEN_PRUNE_INTERVAL: '30d' })).toEqual([expect.stringMatching(/^AUTH_TOKEN_PRUNE_INTERVAL must be/)]);
    expect(loadConfig({ AUTH_TOKEN_PRUNE_INTERVAL: '24d' }).auth.pruneIntervalMs).toBe(24 * DAY);
  });

  it.each([
    ['', ''],
    ['lp_', 'lp_'],
    ['ABCdef_123', 'ABCdef_123'],
  ])('accepts the token prefix %j', (raw, prefix) => {
    expect(loadConfig({ AUTH_TOKEN_PREFIX: raw }).auth.tokenPrefix).toBe(prefix);
  });

  it.each(['abcdefghijk', 'has-dash', 'dot.', 'ünï', 'a b'])('refuses the token prefix %j', (raw) => {
    expect(problemsOf({ AUTH_TOKEN_PREFIX: raw })).toEqual(['AUTH_TOKEN_PREFIX must be at most 10 characters of A-Z, a-z, 0-9 and _']);
  });

  it('reads SHUTDOWN_LAME_DUCK: 0 by default, 0 allowed, a duration, refused when not one', () => {
    expect(loadConfig({}).shutdownLameDuckMs).toBe(0);
    expect(loadConfig({ SHUTDOWN_LAME_DUCK: '0' }).shutdownLameDuckMs).toBe(0);
    expect(loadConfig({ SHUTDOWN_LAME_DUCK: '5s' }).shutdownLameDuckMs).toBe(5 * SECOND);
    expect(loadConfig({ SHUTDOWN_LAME_DUCK: '1500ms' }).shutdownLameDuckMs).toBe(1500);
    for (const raw of ['none', 'soon', '-5s', '30d']) {
      expect(problemsOf({ SHUTDOWN_LAME_DUCK: raw })).toEqual([`SHUTDOWN_LAME_DUCK must be 0 or a duration such as 5s, at most 24d (got "${raw}")`]);
    }
  });

  it("reads LEADS_PAGE_SIZE (DRF's PAGE_SIZE) from 1 to 100; unset by default, and an empty value is unset", () => {
    expect(loadConfig({}).leadsPageSize).toBeNull();
    expect(loadConfig({ LEADS_PAGE_SIZE: '' }).leadsPageSize).toBeNull();
    expect(loadConfig({ LEADS_PAGE_SIZE: '1' }).leadsPageSize).toBe(1);
    expect(loadConfig({ LEADS_PAGE_SIZE: ' 100 ' }).leadsPageSize).toBe(100);
  });

  it.each(['0', '101', '-5', '20.5', 'twenty', 'none'])('refuses LEADS_PAGE_SIZE %j, naming the variable', (raw) => {
    expect(problemsOf({ LEADS_PAGE_SIZE: raw })).toEqual([`LEADS_PAGE_SIZE must be an integer from 1 to 100 (got "${raw}")`]);
  });

  it('reads PUBLIC_URL as an origin with an optional path prefix, without a trailing slash; unset by default', () => {
    expect(loadConfig({}).publicUrl).toBeNull();
    expect(loadConfig({ PUBLIC_URL: 'https://api.example.com' }).publicUrl).toBe('https://api.example.com');
    expect(loadConfig({ PUBLIC_URL: 'https://API.example.com:443/' }).publicUrl).toBe('https://api.example.com');
    expect(loadConfig({ PUBLIC_URL: 'http://example.com:8080/leads-api/' }).publicUrl).toBe('http://example.com:8080/leads-api');
  });

  it.each(['api.example.com', 'ftp://example.com', 'https://example.com/?x=1', 'https://example.com/#top', 'https://example.com?', 'https://user:pw@example.com', 'https://'])(
    'refuses PUBLIC_URL %j, naming the variable and never echoing the value',
    (raw) => {
      const problems = problemsOf({ PUBLIC_URL: raw });
      expect(problems).toEqual([expect.stringMatching(/^PUBLIC_URL must be an http:\/\/ or https:\/\/ URL/)]);
      expect(problems.join()).not.toContain('pw@');
    },
  );

  it("reads ALLOWED_HOSTS as Django does, lower-cased; the default is Django's loopback names", () => {
    expect(loadConfig({}).allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(loadConfig({ ALLOWED_HOSTS: ' API.example.com, .example.org ,*,10.0.0.7,[2001:db8::1]' }).allowedHosts).toEqual([
      'api.example.com',
      '.example.org',
      '*',
      '10.0.0.7',
      '[2001:db8::1]',
    ]);
  });

  it.each(['example.com:8080', 'https://example.com', 'exa mple.com', '*.example.com', '::1', 'example.com/'])('refuses the ALLOWED_HOSTS entry %j', (entry) => {
    expect(problemsOf({ ALLOWED_HOSTS: `localhost,${entry}` })).toEqual([
      `ALLOWED_HOSTS must be a comma-separated list of host names without port (api.example.com), .example.com for a domain and its subdomains, IP addresses ([::1] for IPv6) or * (got "${entry.toLowerCase()}")`,
    ]);
  });

  it('accepts postgres:// and postgresql:// URLs only, and never echoes one back in a problem', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe('postgres://u@h/db');
    const problems = problemsOf({ DATABASE_URL: 'http://user:hunter2@host/db' });
    expect(problems).toEqual(['DATABASE_URL must be a postgres:// or postgresql:// URL']);
    expect(problems.join()).not.toContain('hunter2');
    expect(problemsOf({ DATABASE_URL: 'not a url' })).toHaveLength(1);
  });
});

describe('maskDatabaseUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(maskDatabaseUrl('postgresql://app:s3cret@db:5432/leads')).toBe('postgresql://app:****@db:5432/leads');
    expect(maskDatabaseUrl('postgres://app@db/leads')).toBe('postgres://app@db/leads');
    expect(maskDatabaseUrl('::nonsense::')).toBe('<unparseable DATABASE_URL>');
  });
});
