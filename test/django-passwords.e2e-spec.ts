import { UsersRepository } from '../src/users/users.repository';
import { djangoUsers, DjangoUser } from './support/django-users';
import { expectFieldErrors, expectProblem } from './support/problems';
import { createTestApp, TestApp } from './support/test-app';
import { whoAmI } from './support/tokens';

const LOGIN_FAILED = 'Incorrect Credentials Passed.';
const BASIC_LOGIN_FAILED = 'Invalid username/password.';
const BASIC_CHALLENGE = 'Basic realm="api"';

const users = djangoUsers();
type UsableUser = DjangoUser & { password: string };
const usable = users.filter((user): user is UsableUser => user.password !== null);
const active = usable.filter((user) => user.is_active);

/**
 * Users as the Django import leaves them: the `password` column Django wrote,
 * inserted with SQL. Each must log in with the password they had in Django,
 * through the body and through HTTP Basic, and leave with this server's argon2id.
 */
describe('logging in with a password hashed by Django', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  let serial = 0;
  /** A user row holding `encoded`; the username is the fixture's own, made unique within this file's database. */
  async function insertUser(user: Pick<DjangoUser, 'username' | 'is_active'>, encoded: string): Promise<{ id: number; username: string }> {
    const username = `${user.username}${++serial}`;
    const { rows } = await t.db.query<{ id: number }>(
      'INSERT INTO users (username, email, password_hash, is_active) VALUES ($1, $2, $3, $4) RETURNING id',
      [username, '', encoded, user.is_active],
    );
    return { id: rows[0].id, username };
  }

  const storedHash = async (id: number) => (await t.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id])).rows[0].password_hash;
  const bodyLogin = (username: string, password: string) => t.http().post('/api/auth/login').send({ username, password });
  const basicLogin = (username: string, password: string) => t.http().post('/api/auth/login').auth(username, password);

  it('has a fixture user for every Django hasher, to log in with', () => {
    expect(new Set(active.map((user) => user.hasher))).toEqual(new Set(['pbkdf2_sha256', 'pbkdf2_sha1', 'argon2', 'bcrypt_sha256', 'bcrypt', 'scrypt']));
  });

  it.each(active.map((user) => [`${user.username} (${user.made_with})`, user] as const))(
    '%s logs in through the body and through HTTP Basic, and is rehashed to argon2id each time',
    async (_name, user) => {
      const { id, username } = await insertUser(user, user.encoded);

      // A wrong password is the usual 400 and leaves the Django hash as it was.
      expectFieldErrors(await bodyLogin(username, `${user.password}x`), { non_field_errors: [LOGIN_FAILED] });
      expect(await storedHash(id)).toBe(user.encoded);

      const first = await bodyLogin(username, user.password);
      expect({ status: first.status, user: first.body.user }).toEqual({ status: 200, user: { id, username, email: '' } });
      const rehashed = await storedHash(id);
      expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=12288,/);
      await whoAmI(t, first.body.token as string).expect(200);

      // The next login verifies the new hash, and keeps it.
      await bodyLogin(username, user.password).expect(200);
      expect(await storedHash(id)).toBe(rehashed);
      expectFieldErrors(await bodyLogin(username, `${user.password}x`), { non_field_errors: [LOGIN_FAILED] });

      // HTTP Basic goes the same way.
      await t.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, user.encoded]);
      expectProblem(await basicLogin(username, `${user.password}x`), 401, BASIC_LOGIN_FAILED, BASIC_CHALLENGE);
      expect(await storedHash(id)).toBe(user.encoded);
      const basic = await basicLogin(username, user.password);
      expect({ status: basic.status, user: basic.body.user }).toEqual({ status: 200, user: { id, username, email: '' } });
      const basicRehashed = await storedHash(id);
      expect(basicRehashed).toMatch(/^\$argon2id\$/);
      expect(basicRehashed).not.toBe(rehashed);
      await basicLogin(username, user.password).expect(200);
      expect(await storedHash(id)).toBe(basicRehashed);
    },
  );

  it('two logins at once with the same Django hash both succeed, and one argon2id hash is kept', async () => {
    const user = active.find((u) => u.hasher === 'bcrypt_sha256')!;
    const { id, username } = await insertUser(user, user.encoded);
    const answers = await Promise.all([bodyLogin(username, user.password), basicLogin(username, user.password), bodyLogin(username, user.password)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const kept = await storedHash(id);
    expect(kept).toMatch(/^\$argon2id\$/);
    await bodyLogin(username, user.password).expect(200);
    expect(await storedHash(id)).toBe(kept);
  });

  it('replaces a hash only while the row still holds the one the login verified', async () => {
    const user = active[0];
    const { id } = await insertUser(user, user.encoded);
    const repository = t.app.get(UsersRepository);
    // A password change (or another login) got there first: the stale upgrade writes nothing.
    await t.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, '$argon2id$newer']);
    await expect(repository.replacePasswordHash(id, user.encoded, '$argon2id$stale')).resolves.toBe(false);
    expect(await storedHash(id)).toBe('$argon2id$newer');
    await expect(repository.replacePasswordHash(id, '$argon2id$newer', '$argon2id$next')).resolves.toBe(true);
    expect(await storedHash(id)).toBe('$argon2id$next');
  });

  it.each([
    ['an unusable password (set_unusable_password)', users.find((user) => user.password === null)!.encoded],
    ['a bare "!"', '!'],
    ['an empty value', ''],
    ['an unusable prefix on a real hash', `!${active[0].encoded}`],
    ['a hasher this server does not know', 'md5$salt$4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b'],
    ['PBKDF2 beyond the iteration limit', active.find((user) => user.hasher === 'pbkdf2_sha256')!.encoded.replace(/\$\d+\$/, '$99000000$')],
  ])('%s never logs in, and is left as it is', async (_name, encoded) => {
    const { id, username } = await insertUser({ username: 'locked', is_active: true }, encoded);
    // The stored value itself too, were it compared as text; a blank password is refused before any lookup.
    for (const password of [active[0].password, 'anything', encoded].filter((candidate) => candidate !== '')) {
      expectFieldErrors(await bodyLogin(username, password), { non_field_errors: [LOGIN_FAILED] });
      expectProblem(await basicLogin(username, password), 401, BASIC_LOGIN_FAILED, BASIC_CHALLENGE);
    }
    expectProblem(await basicLogin(username, ''), 401, BASIC_LOGIN_FAILED, BASIC_CHALLENGE);
    expect(await storedHash(id)).toBe(encoded);
  });

  it('an inactive user with a Django hash and the right password gets the answer every inactive user gets, and keeps the hash', async () => {
    const inactive = usable.filter((user) => !user.is_active);
    expect(inactive.length).toBeGreaterThan(0);
    for (const user of inactive) {
      const { id, username } = await insertUser(user, user.encoded);
      expectFieldErrors(await bodyLogin(username, user.password), { non_field_errors: [LOGIN_FAILED] });
      expectProblem(await basicLogin(username, user.password), 401, BASIC_LOGIN_FAILED, BASIC_CHALLENGE);
      expect(await storedHash(id)).toBe(user.encoded);
    }
  });
});
