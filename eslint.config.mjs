import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * What each folder of src/ must never import, so that a dependency against the
 * architecture fails the lint rather than waiting for a review. The layers, bottom up:
 * config/ and common/ (what everything builds on); the HTTP edge (http/) and process control
 * (process/), which may use database/ (outage detection, migrations before the workers fork);
 * the features; and the composition roots (main.ts, app.module.ts, app.factory.ts, cli/) that
 * wire them, which may import anything. database/ sits below the features too; its one
 * exception is data-source.ts, the TypeORM CLI's entry, which hands the entities to
 * migration:generate.
 * Specs are left out: a spec of a shared piece may feed it a feature's real DTOs or tokens.
 */
const FEATURES = ['auth', 'leads', 'users', 'health', 'cli', 'console', 'django-import'];
const BELOW_FEATURES = 'it is what the features build on: the dependency goes the other way';
const BOUNDARIES = {
  common: { forbidden: [...FEATURES, 'database', 'http', 'process'], because: BELOW_FEATURES },
  config: { forbidden: [...FEATURES, 'common', 'database', 'http', 'process'], because: BELOW_FEATURES },
  database: {
    forbidden: [...FEATURES, 'http', 'process'],
    because: 'the features, the edge and process control build on the database layer, not the reverse',
    except: ['src/database/data-source.ts'],
  },
  http: {
    forbidden: [...FEATURES, 'process'],
    because: 'the edge treats every request alike; app.factory.ts and app.module.ts connect it to the features',
  },
  process: {
    forbidden: [...FEATURES, 'http'],
    because: 'process control starts, scales and stops the server whatever it serves',
  },
  users: {
    forbidden: ['auth', 'leads', 'http'],
    because: 'auth and leads build on users, not the reverse; the edge is wired by app.factory.ts',
  },
  leads: {
    forbidden: ['auth', 'http'],
    because: 'leads know the caller only as @CurrentUser; sentences shared with auth live in common/; the edge is wired by app.factory.ts',
  },
  'django-import': {
    forbidden: ['cli', 'http'],
    because: 'the importer runs on the features\' writers and is called by the CLI, which renders its errors; it never reaches back into either door',
  },
  ...Object.fromEntries(
    ['auth', 'health'].map((feature) => [
      feature,
      { forbidden: ['http'], because: 'a feature throws ApiException (common/) and lets the edge render it; app.factory.ts installs the edge' },
    ]),
  ),
};

/**
 * One config per folder and depth: a relative import names another folder of src/ by
 * climbing exactly as many levels as the importing file lies below src/ (from
 * src/leads/dto/, `../../auth/...`), so each depth gets its own exact pattern and
 * `../http/` inside common/ (common/http/) is not taken for the edge.
 */
const MAX_DEPTH = 5;
const importBoundaries = Object.entries(BOUNDARIES).flatMap(([folder, { forbidden, because, except = [] }]) =>
  Array.from({ length: MAX_DEPTH }, (_, index) => ({
    files: [`src/${folder}/${'*/'.repeat(index)}*.ts`],
    ignores: ['**/*.spec.ts', ...except],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((target) => ({
            regex: `^(\\.\\./){${index + 1}}${target}(/|$)`,
            caseSensitive: true,
            message: `src/${folder}/ never imports src/${target}/: ${because}.`,
          })),
        },
      ],
    },
  })),
);

export default tseslint.config(
  { ignores: ['dist/', '.build/', 'node_modules/', 'coverage/', 'bench/results/', '.data/', 'test/browser/screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', fetch: 'readonly', AbortController: 'readonly', document: 'readonly', window: 'readonly', globalThis: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // Focused or skipped tests would let CI pass while hiding failures.
      'no-restricted-properties': ['error', ...['it', 'test', 'describe'].flatMap((object) => [
        { object, property: 'only', message: 'No focused tests.' },
        { object, property: 'skip', message: 'No skipped tests.' },
      ])],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...importBoundaries,
);
