// Unit specs live beside the code (src/**/*.spec.ts, test/support/**/*.spec.ts for test helpers, test/lint/**/*.spec.ts for
// the lint's own rules); e2e specs talk HTTP to the
// real app over a real PostgreSQL (test/**/*.e2e-spec.ts).
// NestJS 12 ships ES modules, which Jest's CommonJS runtime cannot load: they go through the
// esm-to-cjs transformer. (@fastify/cookie 11.1.0 and @fastify/static 10.1.3 are pinned to the
// releases whose cookie 1 and content-disposition 2 are CommonJS and support Node 20, so they need none.)
const esmPackages = ['@nestjs'];

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
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/support/**/*.spec.ts', '<rootDir>/test/lint/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
