/** What `npm pack` ships: compiled JavaScript, declarations, templates, manifests, schemas, docs; nothing else. */
import { join } from 'node:path';
import { run } from './support/validators';
import { REPO_ROOT } from './support/workspace';

const pluginRoot = join(REPO_ROOT, 'generators');
const packed = run('npm', ['pack', '--dry-run', '--json'], { cwd: pluginRoot, env: { npm_config_loglevel: 'error' } });
const files: string[] = packed.status === 0 ? JSON.parse(packed.stdout)[0].files.map((f: { path: string }) => f.path) : [];
const manifest = (name: string) => JSON.parse(require('node:fs').readFileSync(join(pluginRoot, name), 'utf8'));

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
  /^dist\/templates\/node\/.+\.ejs$/,
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

it('ships every template of a node', () => {
  for (const template of ['Dockerfile.kicbase.ejs', 'compose.yaml.ejs', 'kubelet.yaml.ejs', 'units/kubelet.service.ejs', 'README.md.ejs', 'bin/README.md.ejs']) {
    expect(files).toContain(`dist/templates/node/${template}`);
  }
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
