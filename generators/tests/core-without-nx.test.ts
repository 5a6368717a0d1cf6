/**
 * The core (generators/dist/lib) is usable from plain code with no Nx installed: copied into a folder whose
 * node_modules hold only its own dependencies (ejs, yaml), it renders, upgrades and syncs a node. A second front-end
 * (projen, the node CLI) depends on exactly this.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './support/validators';
import { REPO_ROOT } from './support/workspace';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-core-'));
  cpSync(join(REPO_ROOT, 'generators/dist/lib'), join(dir, 'lib'), { recursive: true });
  cpSync(join(REPO_ROOT, 'generators/dist/templates'), join(dir, 'templates'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  const dependencies = Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, 'generators/package.json'), 'utf8')).dependencies);
  for (const name of ['ejs', 'yaml']) {
    expect(dependencies).toContain(name);
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('imports nothing from Nx or projen (the sources say so)', () => {
  const sources = readdirSync(join(REPO_ROOT, 'generators/src/lib')).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
  const offending = sources.filter((file) => /from '(nx|@nx\/[^']*|projen|nx\/[^']*)'|require\('(nx|@nx|projen)/.test(readFileSync(join(REPO_ROOT, 'generators/src/lib', file), 'utf8')));
  expect(offending).toEqual([]);
});

it('renders, upgrades and syncs a node with no Nx installed', () => {
  writeFileSync(
    join(dir, 'use-core.js'),
    `
    const core = require('./lib');
    const frontEnd = { command: (op, node) => 'make ' + op + ' NODE=' + node, versionsHowTo: () => 'See versions.json.' };
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
      nxWording: Object.values(direct).some((text) => /\\bnx (run|g|sync)\\b/.test(text)),
      loadedNx: Object.keys(require.cache).some((path) => /node_modules[\\\\/](nx|@nx)[\\\\/]/.test(path)),
    }));
    `,
  );
  const result = run(process.execPath, ['use-core.js'], { cwd: dir });
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({ same: true, changes: expect.any(Number), synced: 0, readme: true, nxWording: false, loadedNx: false });
  expect(JSON.parse(result.stdout).changes).toBeGreaterThan(5);
});
