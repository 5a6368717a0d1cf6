// Two kinds of tests: fast unit specs beside the code, and integration/e2e tests that drive real tools (nx CLI, docker,
// projen, systemd-analyze). `npm test` runs all; `npm run test:unit` only the first. Tests use the packages' sources
// (kubelet-node, projen-kubelet) through the mapper below; tests that need the packed packages build them first.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/generators/tsconfig.spec.json' }];
const moduleNameMapper = {
  '^kubelet-node$': '<rootDir>/packages/kubelet-node/src/index.ts',
  '^kubelet-node/dist/(.*)$': '<rootDir>/packages/kubelet-node/src/$1',
  '^projen-kubelet$': '<rootDir>/packages/projen-kubelet/src/index.ts',
};

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/generators/src/**/*.spec.ts', '<rootDir>/packages/*/src/**/*.spec.ts', '<rootDir>/tools/docs/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      rootDir: __dirname,
      testMatch: ['<rootDir>/generators/tests/**/*.test.ts', '<rootDir>/packages/*/tests/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tools/e2e/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testEnvironment: 'node',
    },
  ],
  // A global option (ignored inside a project): integration tests build images and boot nodes.
  testTimeout: 600000,
};
