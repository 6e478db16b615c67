import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { generateToken } from '../../auth/token-crypto';
import { AppLogger } from './app-logger';
import { REDACTED } from './redact';

const TOKEN = generateToken('lp_').token;
const PASSWORD = 'violet-Harbor-42-lantern';

/** A logger writing into an array, one parsed object per line. */
function capture(level = 'debug'): { logger: AppLogger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const logger = new AppLogger(level, { write: (chunk: string) => void chunks.push(chunk) });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text };
}

describe('AppLogger', () => {
  it('writes one JSON object per line: the level by name, an ISO time, the message and its context, no pid or hostname', () => {
    const { logger, lines, text } = capture('info');
    logger.log('listening', 'Main');
    logger.warn('slow', 'Pagination');
    logger.logSafe('info', 'request', { method: 'GET', url: '/api/leads/17', status: 200, ms: 1.25 });
    expect(text().split('\n')).toHaveLength(4);
    const [listening, slow, request] = lines();
    expect(listening).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), context: 'Main', msg: 'listening' });
    expect(slow).toMatchObject({ level: 'warn', context: 'Pagination', msg: 'slow' });
    expect(request).toEqual({ level: 'info', time: expect.any(String), msg: 'request', method: 'GET', url: '/api/leads/17', status: 200, ms: 1.25 });
  });

  it('writes nothing below LOG_LEVEL, and nothing at all when silent', () => {
    const atWarn = capture('warn');
    atWarn.logger.log('not shown');
    atWarn.logger.debug('not shown');
    atWarn.logger.error('shown');
    expect(atWarn.lines().map((line) => [line.level, line.msg])).toEqual([['error', 'shown']]);
    expect(atWarn.logger.enabled('info')).toBe(false);
    expect(atWarn.logger.enabled('error')).toBe(true);

    const silent = capture('silent');
    silent.logger.error('not shown');
    silent.logger.fatal('not shown');
    silent.logger.logSafe('error', 'request', { status: 500 });
    expect(silent.text()).toBe('');
  });

  it("writes Nest's verbose at debug and its start-up chatter at debug, other contexts' log at info", () => {
    const atInfo = capture('info');
    atInfo.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    atInfo.logger.log('Mapped {/api/leads, GET} route', 'RouterExplorer');
    atInfo.logger.verbose('details', 'Leads');
    expect(atInfo.text()).toBe('');

    const atDebug = capture('debug');
    atDebug.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    atDebug.logger.verbose('details', 'Leads');
    expect(atDebug.lines().map((line) => [line.level, line.context])).toEqual([
      ['debug', 'InstanceLoader'],
      ['debug', 'Leads'],
    ]);
  });

  it('hides secrets in messages, stacks and fields, by key at any depth and in free text', () => {
    const { logger, lines, text } = capture('debug');
    logger.log(`GET /api/auth/user?token=${TOKEN} with Authorization: Token ${TOKEN}`, 'Main');
    logger.warn(`login failed for body username=alice&password=${PASSWORD}`);
    const error = new Error(`could not connect to postgres://leads:${PASSWORD}@db/leads`);
    logger.error(error, 'Main');
    logger.error('handler failed', `Error: bad\n    at /api/leads/${TOKEN} (file.js:1:1)`, 'Exceptions');
    logger.debug({ headers: { authorization: `Token ${TOKEN}`, cookie: `sessionid=${TOKEN}` }, body: { username: 'alice', password: PASSWORD } });
    const output = text();
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(PASSWORD);
    const [query, form, connect, handler, fields] = lines();
    expect(query.msg).toContain(REDACTED);
    expect(form.msg).toBe(`login failed for body username=alice&password=${REDACTED}`);
    expect(connect).toMatchObject({ level: 'error', context: 'Main', msg: `could not connect to postgres://leads:${REDACTED}@db/leads` });
    expect(connect.stack).toMatch(/^Error: could not connect/);
    expect(handler).toMatchObject({ level: 'error', context: 'Exceptions', msg: 'handler failed' });
    expect(handler.stack).toContain(REDACTED);
    expect(fields).toEqual({
      level: 'debug',
      time: expect.any(String),
      headers: { authorization: REDACTED, cookie: REDACTED },
      body: { username: 'alice', password: REDACTED },
    });
  });

  it('follows the lowest of the levels Nest sets', () => {
    const { logger, lines } = capture('info');
    logger.setLogLevels(['error', 'debug']);
    logger.debug('now shown');
    logger.setLogLevels(['warn', 'error']);
    logger.log('hidden again');
    expect(lines().map((line) => line.msg)).toEqual(['now shown']);
  });

  it('has every line on stdout once flush() resolves, even if the process is then killed outright', async () => {
    // SIGKILL runs no exit handler: only what flush() wrote is there. Lines logged after it are written at once.
    const script = `
      const { AppLogger } = require(${JSON.stringify(join(__dirname, 'app-logger'))});
      const logger = new AppLogger('info');
      for (let i = 0; i < 20000; i++) logger.logSafe('info', 'request', { method: 'GET', url: '/api/leads/' + i, status: 200, ms: 0.5 });
      logger.flush().then(() => {
        logger.log('after flush', 'Main');
        process.kill(process.pid, 'SIGKILL');
      });
    `;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: join(__dirname, '..', '..', '..') });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((done) => child.once('close', (_code, killed) => done(killed)));
    expect(signal).toBe('SIGKILL');
    const lines = output.split('\n').filter((line) => line !== '');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.slice(0, 20000).map((line) => line.url)).toEqual(Array.from({ length: 20000 }, (_, i) => `/api/leads/${i}`));
    expect(parsed.slice(20000)).toEqual([expect.objectContaining({ msg: 'after flush', context: 'Main' })]);
  });
});
