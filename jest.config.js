// Two projects: fast unit specs beside the code, and integration tests that drive real tools (nx CLI, docker,
// systemd-analyze). `npm test` runs both; `npm run test:unit` only the first.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/generators/tsconfig.spec.json' }];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/generators/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      rootDir: __dirname,
      testMatch: ['<rootDir>/generators/tests/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tools/e2e/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
  ],
  // A global option (ignored inside a project): integration tests build images and boot nodes.
  testTimeout: 600000,
};
