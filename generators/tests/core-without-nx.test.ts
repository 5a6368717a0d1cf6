/**
 * kubelet-node (the core and the node operations) is usable from plain code with no Nx and no projen installed:
 * copied as packed into a folder whose node_modules hold only its own dependencies (ejs, yaml), it renders, upgrades
 * and syncs a node, and its CLI runs. projen-kubelet and the node CLI depend on exactly this.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './support/validators';
import { REPO_ROOT } from './support/workspace';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-core-'));
  const packageDir = join(dir, 'node_modules', 'kubelet-node');
  mkdirSync(packageDir, { recursive: true });
  for (const entry of ['dist', 'schemas', 'package.json'])
    cpSync(join(REPO_ROOT, 'packages/kubelet-node', entry), join(packageDir, entry), { recursive: true });
  const dependencies = Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, 'packages/kubelet-node/package.json'), 'utf8')).dependencies);
  expect(dependencies.sort()).toEqual(['ejs', 'yaml']);
  for (const name of dependencies) symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('imports nothing from Nx or projen, and writes no Nx wording (the sources say so)', () => {
  const root = join(REPO_ROOT, 'packages/kubelet-node/src');
  const sources = (readdirSync(root, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
  expect(sources.length).toBeGreaterThan(20);
  const text = (file: string) => readFileSync(join(root, file), 'utf8');
  expect(sources.filter((file) => /from '(nx|@nx\/[^']*|projen|nx\/[^']*)'|require\('(nx|@nx|projen)/.test(text(file)))).toEqual([]);
  // Strings (not comments) that name an Nx command.
  const code = (file: string) => text(file).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  expect(sources.filter((file) => /['`"][^'`"\n]*\bnx (run|run-many|g|sync|migrate)\b/.test(code(file)))).toEqual([]);
  // The operations' schemas are the CLI's help too.
  const schemas = join(REPO_ROOT, 'packages/kubelet-node/schemas');
  const schemaFiles = readdirSync(schemas);
  expect(schemaFiles.length).toBeGreaterThanOrEqual(6);
  expect(schemaFiles.filter((file) => /\bnx (run|run-many|g|sync|migrate)\b|nx-kubelet/.test(readFileSync(join(schemas, file), 'utf8')))).toEqual([]);
});

it('renders, upgrades and syncs a node with no Nx installed', () => {
  writeFileSync(
    join(dir, 'use-core.js'),
    `
    const core = require('kubelet-node');
    const frontEnd = { command: (op, node) => 'make ' + op + ' NODE=' + node, versionsHowTo: () => 'See versions.json.', provenance: 'Made by make.', ownership: 'Made by make; yours.' };
    const workspace = { hasProject: () => false, directoryHasFiles: () => false };
    const context = { templates: core.loadNodeTemplates(), frontEnd };
    const from = core.resolveNode({ name: 'plain', kubeVersion: '1.34' }, workspace);
    const to = core.resolveNode({ name: 'plain', kubeVersion: '1.37' }, workspace);
    const files = core.renderNode(from, context.templates, frontEnd);
    const upgraded = core.upgradeNodeFiles(files, from, to, context);
    const direct = core.renderNode(to, context.templates, frontEnd);
    console.log(JSON.stringify({
      same: JSON.stringify(upgraded.files) === JSON.stringify(direct),
      changes: upgraded.changes.length,
      synced: core.syncNodeFiles(direct, to, context).changes.length,
      readme: direct['README.md'].includes('make up NODE=plain'),
      provenance: direct['kubelet.yaml'].includes('Made by make.') && !Object.values(direct).some((text) => text.includes('nx-kubelet (kubelet-node generator)')),
      nxWording: Object.values(direct).some((text) => /\\bnx (run|g|sync)\\b/.test(text)),
      loadedNx: Object.keys(require.cache).some((path) => /node_modules[\\\\/](nx|@nx)[\\\\/]/.test(path)),
    }));
    `,
  );
  const result = run(process.execPath, ['use-core.js'], { cwd: dir });
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({
    same: true,
    changes: expect.any(Number),
    synced: 0,
    readme: true,
    provenance: true,
    nxWording: false,
    loadedNx: false,
  });
  expect(JSON.parse(result.stdout).changes).toBeGreaterThan(5);
});

it('runs its CLI with no Nx installed', () => {
  const cli = join(dir, 'node_modules/kubelet-node/dist/cli.js');
  const help = run(process.execPath, [cli, 'up', '--help'], { cwd: dir });
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/--timeout=<number>/);
  const missing = run(process.execPath, [cli, 'status', 'no-such-node'], { cwd: dir });
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('no-such-node: no such folder.');
});
