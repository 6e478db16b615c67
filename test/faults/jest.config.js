// Fault suite: the compiled server (APP_DIST, default dist) as child processes
// against an embedded PostgreSQL the tests stop and restart, plus the
// machine's Redis. Run with `npm run test:faults` (builds first).
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.fault-spec.ts'],
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../../tsconfig.json' }] },
  testTimeout: 180000,
};
