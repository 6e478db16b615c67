import { djangoSecrets, dumpFileOf, dumpRows, FixtureUser } from './django-secrets';

/** A fixture user (test/fixtures/django), with the `password` column Django stored for them. */
export interface DjangoUser extends FixtureUser {
  encoded: string;
}

/** Every user of every fixture (the dumpdata files), each with the hash Django stored for them. */
export function djangoUsers(): DjangoUser[] {
  return Object.values(djangoSecrets().fixtures).flatMap((fixture) => {
    const file = dumpFileOf(fixture);
    const stored = new Map(dumpRows(file, 'auth.user').map((row) => [row.pk, row.fields.password as string]));
    return fixture.users.map((user) => {
      const encoded = stored.get(user.id);
      if (encoded === undefined) throw new Error(`${file} has no user ${user.id}`);
      return { ...user, encoded };
    });
  });
}
