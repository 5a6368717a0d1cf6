// Two kinds of tests: fast unit specs beside the code, and integration/e2e tests that drive real tools (nx CLI, docker,
// projen, systemd-analyze). `npm test` runs all (and the e2e and 'hosts' projects); `npm run test:unit` only the first. Tests use the packages' sources
// (kubelet-node, projen-kubelet) through the mapper below; tests that need the packed packages build them first.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/generators/tsconfig.spec.json' }];
// kubelet-node's entry points are its package.json `exports` (the package itself and light subpaths such as
// kubelet-node/node-files), each mapped to the source of the dist file it names.
const kubeletNodeEntries = Object.entries(require('./packages/kubelet-node/package.json').exports)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => [
    `^kubelet-node${subpath.slice(1)}$`,
    `<rootDir>/packages/kubelet-node/src/${target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')}`,
  ]);
const moduleNameMapper = {
  ...Object.fromEntries(kubeletNodeEntries),
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
      // One folder per run for every temporary folder, and what a test left in it removed at the end and on Ctrl-C.
      globalSetup: '<rootDir>/tools/test-run/global-setup.js',
      globalTeardown: '<rootDir>/tools/test-run/global-teardown.js',
      testMatch: ['<rootDir>/generators/tests/**/*.test.ts', '<rootDir>/packages/*/tests/**/*.test.ts'],
      // generators/tests/hosts: the 'hosts' project below.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/generators/tests/hosts/'],
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      // Other host modes in virtual machines of the tests' own (a cgroup v2-only host under qemu); `npm run
      // test:cgroup2` runs only these.
      displayName: 'hosts',
      rootDir: __dirname,
      globalSetup: '<rootDir>/tools/test-run/global-setup.js',
      globalTeardown: '<rootDir>/tools/test-run/global-teardown.js',
      testMatch: ['<rootDir>/generators/tests/hosts/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      // One folder per run for every temporary folder, and what a test left in it removed at the end and on Ctrl-C.
      globalSetup: '<rootDir>/tools/test-run/global-setup.js',
      globalTeardown: '<rootDir>/tools/test-run/global-teardown.js',
      testMatch: ['<rootDir>/tools/e2e/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testEnvironment: 'node',
    },
  ],
  // A global option (ignored inside a project): integration tests build images and boot nodes.
  testTimeout: 600000,
};
