/** What `npm pack` ships of each package: compiled JavaScript, declarations, templates, manifests, schemas, docs; nothing else. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './support/validators';
import { REPO_ROOT } from './support/workspace';

/** `npm pack --dry-run` of a package folder: its result, the files it would ship, and its package.json. */
function pack(folder: string) {
  const root = join(REPO_ROOT, folder);
  const result = run('npm', ['pack', '--dry-run', '--json'], { cwd: root, env: { npm_config_loglevel: 'error' } });
  const shipped: string[] = result.status === 0 ? JSON.parse(result.stdout)[0].files.map((f: { path: string }) => f.path) : [];
  return { result, shipped, pkg: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) };
}

const pluginRoot = join(REPO_ROOT, 'generators');
const { result: packed, shipped: files } = pack('generators');
const manifest = (name: string) => JSON.parse(readFileSync(join(pluginRoot, name), 'utf8'));

const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^(generators|executors|migrations)\.json$/,
  /^dist\/.+\.js$/,
  /^dist\/.+\.d\.ts$/,
  /^dist\/(generators|executors)\/[^/]+\/schema\.json$/,
  /^dist\/migrations\/update-[\d-]+\/[^/]+\.md$/,
  // A migration may carry the template an older release generated with, to recognise its unedited output.
  /^dist\/migrations\/update-[\d-]+\/[^/]+\.ejs$/,
];

it('npm pack succeeds', () => {
  expect(packed.stderr.includes('npm error')).toBe(false);
  expect(packed.status).toBe(0);
  expect(files.length).toBeGreaterThan(40);
});

it('contains only compiled code, declarations, templates, manifests, schemas and docs', () => {
  expect(files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)))).toEqual([]);
  expect(files.filter((file) => /\.spec\.|\/tests?\/|\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
});

it("ships no templates of its own: the node templates are kubelet-node's", () => {
  expect(files.filter((file) => file.startsWith('dist/templates/'))).toEqual([]);
});

describe('kubelet-node', () => {
  const { result, shipped, pkg } = pack('packages/kubelet-node');

  it("packs compiled code, declarations, templates and the operations' schemas only", () => {
    expect(result.status).toBe(0);
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^bin\/kubelet-node\.js$/,
      /^dist\/.+\.(js|d\.ts)$/,
      /^dist\/templates\/node\/.+\.ejs$/,
      /^schemas\/[a-z-]+\.json$/,
    ];
    expect(shipped.filter((file) => !allowed.some((pattern) => pattern.test(file)))).toEqual([]);
    for (const template of [
      'Dockerfile.kicbase.ejs',
      'compose.yaml.ejs',
      'kubelet.yaml.ejs',
      'units/kubelet.service.ejs',
      'README.md.ejs',
      'bin/README.md.ejs',
    ]) {
      expect(shipped).toContain(`dist/templates/node/${template}`);
    }
    expect(shipped).toContain(pkg.bin['kubelet-node'].replace(/^\.\//, ''));
    expect(shipped).toContain(pkg.main.replace(/^\.\//, ''));
  });

  it('depends on neither Nx nor projen, and nx-kubelet depends on this very version', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['ejs', 'yaml']);
    expect(pkg.peerDependencies).toBeUndefined();
    expect(manifest('package.json').dependencies['kubelet-node']).toBe(pkg.version);
  });
});

describe('projen-kubelet', () => {
  const { result, shipped, pkg } = pack('packages/projen-kubelet');

  it('packs compiled code and declarations only', () => {
    expect(result.status).toBe(0);
    expect(shipped.filter((file) => !/^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(file))).toEqual([]);
    expect(shipped).toContain('dist/index.js');
  });

  it('takes projen as a peer over an explicit range of 0.x minors, never Nx', () => {
    expect(pkg.peerDependencies).toEqual({ projen: '>=0.100.0 <0.200.0', constructs: '^10.0.0' });
    expect(pkg.dependencies['kubelet-node']).toBe(pack('packages/kubelet-node').pkg.version);
    expect(Object.keys(pkg.dependencies).filter((name) => /^(@nx\/|nx$|projen$)/.test(name))).toEqual([]);
  });
});

it('resolves every factory, implementation, schema and documentation path of the manifests inside the package', () => {
  const inPackage = (path: string) => {
    const clean = path.replace(/^\.\//, '').replace(/#.*$/, '');
    return [clean, `${clean}.js`].some((candidate) => files.includes(candidate));
  };
  const paths: string[] = [];
  for (const entry of Object.values(manifest('generators.json').generators) as Record<string, string>[]) paths.push(entry.factory, entry.schema);
  for (const entry of Object.values(manifest('executors.json').executors) as Record<string, string>[]) paths.push(entry.implementation, entry.schema);
  for (const entry of Object.values(manifest('migrations.json').generators) as Record<string, string>[]) paths.push(entry.implementation, entry.documentation);
  const pkg = manifest('package.json');
  paths.push(pkg.main, pkg.types, pkg.generators, pkg.executors, pkg['nx-migrations'].migrations);
  expect(paths.filter((path) => !inPackage(path))).toEqual([]);
  expect(paths.length).toBeGreaterThan(20);
});

it('declares the nx peer range 23 to 25 and depends on no @nx package but the devkit', () => {
  const pkg = manifest('package.json');
  expect(pkg.peerDependencies.nx).toBe('>=23.0.0 <26.0.0');
  expect(Object.keys(pkg.dependencies).filter((name) => name.startsWith('@nx/'))).toEqual(['@nx/devkit']);
});
