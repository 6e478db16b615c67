import { StartupError } from '../database/startup-error';
import { describeStartupFailure } from './startup-failure';

const withUrl = (databaseUrl: string | null) => ({ host: '127.0.0.1', port: 3000, databaseUrl });
const coded = (code: string, message = 'boom', extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

describe('describeStartupFailure', () => {
  it('passes our own StartupError through, also when wrapped as a cause', () => {
    const own = new StartupError('the data directory /x is in use\nby another server');
    expect(own.message).toBe('the data directory /x is in use by another server');
    expect(describeStartupFailure(new Error('wrapper', { cause: own }), withUrl(null))).toBe(own.message);
  });

  it('names the database and the createdb command for a missing database (3D000)', () => {
    const error = coded('3D000', 'database "leads" does not exist');
    expect(describeStartupFailure(error, withUrl('postgres://postgres@127.0.0.1:5432/leads'))).toBe(
      'database "leads" does not exist on 127.0.0.1:5432; create it with: createdb -h 127.0.0.1 -U postgres leads',
    );
    expect(describeStartupFailure(error, withUrl('postgresql://app:secret@db.internal:6543/crm'))).toBe(
      'database "crm" does not exist on db.internal:6543; create it with: createdb -h db.internal -p 6543 -U app crm',
    );
  });

  it('says what to check for a refused password, a refused connection and an unknown host, never echoing the password', () => {
    const url = 'postgres://app:hunter2@127.0.0.1:5432/leads';
    const password = describeStartupFailure(coded('28P01'), withUrl(url));
    expect(password).toBe('PostgreSQL on 127.0.0.1:5432 refused the password of user "app": check the password in DATABASE_URL');
    expect(password).not.toContain('hunter2');
    // Node's happy-eyeballs connect reports an AggregateError of per-address errors.
    const refused = new AggregateError([coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')], '');
    expect(describeStartupFailure(refused, withUrl(url))).toBe('nothing accepts connections on 127.0.0.1:5432 (DATABASE_URL): start PostgreSQL there, or fix DATABASE_URL');
    expect(describeStartupFailure(coded('ENOTFOUND'), withUrl('postgres://u@nope.invalid/db'))).toMatch(/^the database host "nope.invalid" in DATABASE_URL cannot be resolved/);
  });

  it('names PORT or HOST for listen errors', () => {
    expect(describeStartupFailure(coded('EADDRINUSE', 'listen EADDRINUSE', { syscall: 'listen' }), withUrl(null))).toBe(
      'port 3000 on 127.0.0.1 is in use by another program: stop it, or set PORT to a free port',
    );
    expect(describeStartupFailure(coded('EADDRNOTAVAIL', 'x', { syscall: 'listen' }), withUrl(null))).toMatch(/set HOST/);
  });

  it('falls back to the first line of anything else, with its code', () => {
    expect(describeStartupFailure(new Error('first line\n    at somewhere (file.js:1:2)'), withUrl(null))).toBe('first line');
    expect(describeStartupFailure(coded('EIO', 'read failed\nmore'), withUrl(null))).toBe('read failed (EIO)');
    expect(describeStartupFailure('a string', withUrl(null))).toBe('a string');
  });
});
