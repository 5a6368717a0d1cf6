import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/**
 * What the CLI loads before it answers: --help and a usage error need the table of operations and their schemas, not
 * the operations themselves (the node's files, YAML, templates, the version matrix). A child node process runs the
 * CLI's sources (compiled on require by TypeScript's transpileModule) and prints every module it loaded.
 */
const SRC = __dirname;
const REPO = join(SRC, '..', '..', '..');

const RUN = `
const ts = require('typescript');
const { readFileSync } = require('node:fs');
require.extensions['.ts'] = (module, file) =>
  module._compile(ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, file);
const before = new Set(Object.keys(require.cache));
const log = console.info; console.info = () => {}; console.error = () => {};
require(process.env.CLI).main(JSON.parse(process.env.ARGV)).then((code) => {
  process.stdout.write(JSON.stringify({ code, loaded: Object.keys(require.cache).filter((file) => !before.has(file)) }));
});
`;

function loadedBy(argv: string[]): { code: number; loaded: string[] } {
  const result = spawnSync(process.execPath, ['-e', RUN], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, CLI: join(SRC, 'cli.ts'), ARGV: JSON.stringify(argv) },
  });
  if (result.status !== 0) throw new Error(`the CLI's child process failed (${result.status}):\n${result.stderr}`);
  const { code, loaded } = JSON.parse(result.stdout) as { code: number; loaded: string[] };
  return { code, loaded: loaded.map((file) => relative(REPO, file)).sort() };
}

/** Only these: the CLI, the table, the schemas' reader, the options check and docker-cli's formatCommand. */
const START_UP = [
  'packages/kubelet-node/src/cli.ts',
  'packages/kubelet-node/src/operations/docker-cli.ts',
  'packages/kubelet-node/src/operations/engine-adapter.ts', // what docker-cli.ts asks for argv (no YAML, no core at run time)
  'packages/kubelet-node/src/operations/schemas.ts',
  'packages/kubelet-node/src/operations/table.ts',
  'packages/kubelet-node/src/options-check.ts',
];

describe('kubelet-node CLI start-up', () => {
  it('--help, an operation’s --help, --version and a usage error load no operation, YAML, template or version matrix', () => {
    expect(loadedBy(['--help'])).toEqual({ code: 0, loaded: START_UP });
    expect(loadedBy(['status', '--help'])).toEqual({ code: 0, loaded: START_UP });
    expect(loadedBy(['--version'])).toEqual({ code: 0, loaded: START_UP });
    expect(loadedBy(['status'])).toEqual({ code: 2, loaded: START_UP });
    expect(loadedBy(['stauts', 'x'])).toEqual({ code: 2, loaded: START_UP });
  }, 60_000);

  it('an operation that runs loads the operations (so the lists above would see them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-startup-'));
    try {
      // No node files there: the operation fails while reading them, before docker is reached.
      const { code, loaded } = loadedBy(['status', join(dir, 'absent')]);
      expect(code).toBe(1);
      expect(loaded).toContain('packages/kubelet-node/src/operations/node-context.ts');
      expect(loaded.some((file) => file.endsWith('node_modules/yaml/dist/index.js'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
