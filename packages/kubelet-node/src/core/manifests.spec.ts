import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestError, manifestFileNames, normalizeImageRef, parseManifest, readManifestFolder, samePod } from './manifests';

const pod = (name: string, image = 'nx-kubelet/web:1') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: web\n      image: ${image}\n`;

describe('parseManifest', () => {
  it('reads name, namespace and the images of containers and init containers', () => {
    const parsed = parseManifest('a.yaml', `${pod('web')}  initContainers:\n    - name: init\n      image: busybox:1\n`);
    expect(parsed).toMatchObject({ name: 'web', namespace: 'default', images: ['nx-kubelet/web:1', 'busybox:1'], restartPolicy: 'Always' });
  });

  it.each([
    ['', 'manifests/x.yaml: is empty'],
    ['kind: Pod\n: : :\n', 'manifests/x.yaml: is not valid YAML'],
    [`${pod('a')}---\n${pod('b')}`, 'manifests/x.yaml: holds 2 YAML documents'],
    ['apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n', 'manifests/x.yaml: kind is "Deployment", not Pod'],
    ['apiVersion: v1\nmetadata:\n  name: a\n', 'manifests/x.yaml: has no "kind"'],
    ['kind: Pod\nspec:\n  containers: []\n', 'manifests/x.yaml: metadata.name is missing'],
    ['kind: Pod\nmetadata:\n  name: a\nspec: {}\n', 'manifests/x.yaml: spec.containers is missing or empty'],
    ['kind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n    - name: c\n', 'manifests/x.yaml: spec.containers[0].image is missing (container "c")'],
    ['kind: Pod\nmetadata:\n  name: Web_1\nspec:\n  containers:\n    - name: c\n      image: x:1\n', 'metadata.name "Web_1" is not a valid pod name'],
  ])('refuses %j naming the file and the field', (text, message) => {
    expect(() => parseManifest('x.yaml', text, 'manifests/x.yaml')).toThrow(ManifestError);
    expect(() => parseManifest('x.yaml', text, 'manifests/x.yaml')).toThrow(message);
  });
});

describe('readManifestFolder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'manifests-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every non-dot file in name order, and refuses an absent folder (it is not "no pods")', () => {
    writeFileSync(join(dir, 'b.yaml'), pod('b'));
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } }),
    );
    writeFileSync(join(dir, '.keep'), '');
    mkdirSync(join(dir, 'sub'));
    expect(readManifestFolder(dir).map((p) => p.file)).toEqual(['a.json', 'b.yaml']);
    expect(() => readManifestFolder(join(dir, 'absent'), 'n/manifests')).toThrow('n/manifests does not exist');
  });

  it('names a dangling symbolic link instead of failing with ENOENT; a link to a manifest counts', () => {
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared', 'real.yaml'), pod('real'));
    mkdirSync(join(dir, 'manifests'));
    symlinkSync('../shared/real.yaml', join(dir, 'manifests', 'linked.yaml'));
    expect(readManifestFolder(join(dir, 'manifests')).map((p) => p.name)).toEqual(['real']);
    rmSync(join(dir, 'shared', 'real.yaml'));
    writeFileSync(join(dir, 'manifests', 'other.yaml'), pod('other'));
    expect(() => readManifestFolder(join(dir, 'manifests'), 'n/manifests')).toThrow(
      'n/manifests/linked.yaml: is a symbolic link to ../shared/real.yaml, which does not exist',
    );
    expect(manifestFileNames(join(dir, 'manifests'))).toEqual(['other.yaml']);
  });

  it('refuses a stray file and two files with the same pod name', () => {
    writeFileSync(join(dir, 'a.yaml'), pod('web'));
    writeFileSync(join(dir, 'b.yaml'), pod('web'));
    expect(() => readManifestFolder(dir, 'n/manifests')).toThrow('n/manifests/b.yaml: metadata.name "web" is also the name of n/manifests/a.yaml');
    rmSync(join(dir, 'b.yaml'));
    writeFileSync(join(dir, 'README.md'), '# notes\n');
    expect(() => readManifestFolder(dir, 'n/manifests')).toThrow('n/manifests/README.md:');
  });
});

describe('normalizeImageRef', () => {
  it.each([
    ['nginx', 'nginx:latest'],
    ['docker.io/library/nginx:1.27', 'nginx:1.27'],
    ['docker.io/acme/api', 'acme/api:latest'],
    ['localhost:5000/api', 'localhost:5000/api:latest'],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10'],
    ['acme/api@sha256:abc', 'acme/api@sha256:abc'],
  ])('%s → %s', (ref, normalized) => expect(normalizeImageRef(ref)).toBe(normalized));
});

describe('samePod', () => {
  it('ignores key order, comments and formatting, not values', () => {
    const a = parseManifest('a', pod('web')).object;
    const b = parseManifest(
      'a',
      `# a comment\nkind: Pod\napiVersion: v1\nmetadata: {name: web}\nspec:\n  containers: [{image: 'nx-kubelet/web:1', name: web}]\n`,
    ).object;
    expect(samePod(a, b)).toBe(true);
    expect(samePod(a, parseManifest('a', pod('web', 'nx-kubelet/web:2')).object)).toBe(false);
  });
});
