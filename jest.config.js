// Unit specs live beside the code (src/**/*.spec.ts, and test/support/**/*.spec.ts for test helpers); e2e specs talk HTTP to the
// real app over a real PostgreSQL (test/**/*.e2e-spec.ts).
// @fastify/static and @fastify/cookie bundle ESM-only packages (content-disposition 2, cookie 2);
// @fastify/cookie loads its copy with a dynamic import(), which Jest's CommonJS runtime cannot run.
// A nested package is listed twice: by its full path, and by name for the match after its own node_modules/.
const esmPackages = [
  '@nestjs',
  '@fastify/static/node_modules/content-disposition',
  'content-disposition',
  '@fastify/cookie',
  'cookie',
];

const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    [`/node_modules/(${esmPackages.join('|')})/.+\\.js$`]: '<rootDir>/test/support/esm-to-cjs.transformer.js',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
};

module.exports = {
  // Jest reads the timeout only at the top level, not per project. e2e tests share two cores with
  // PostgreSQL and argon2, so a loaded machine must not turn a slow test into a failure.
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/support/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
