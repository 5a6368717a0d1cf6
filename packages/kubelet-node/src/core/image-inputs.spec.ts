import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { composeBuildSettings, ContextEntry, dockerfileSources, ImageInputs, imageInputsHash, isIgnored, parseDockerignore } from './image-inputs';
import { imageInputs } from './node-files';

const exampleNode = join(__dirname, '..', '..', '..', 'example-node');
const read = (file: string) => readFileSync(join(exampleNode, file), 'utf8');

describe('.dockerignore, as Docker matches it', () => {
  const ignored = (text: string, path: string) => isIgnored(path, parseDockerignore(text));

  it("lets through exactly what the generated node's allowlist names", () => {
    const text = read('.dockerignore');
    for (const path of ['Dockerfile.kicbase', 'kubelet.yaml', 'units/kubelet.service', 'manifests/hello-world.yaml', 'bin/kubelet', 'bin/README.md']) {
      expect([path, ignored(text, path)]).toEqual([path, false]);
    }
    for (const path of ['compose.yaml', 'README.md', '.env', 'project.json', '.dockerignore', 'node_modules/x/y.js']) {
      expect([path, ignored(text, path)]).toEqual([path, true]);
    }
  });

  it('takes the last matching line, matches parent folders, and knows *, **, ?, a leading / and comments', () => {
    expect(ignored('*.log\n!keep.log', 'a.log')).toBe(true);
    expect(ignored('*.log\n!keep.log', 'keep.log')).toBe(false);
    expect(ignored('!keep.log\n*.log', 'keep.log')).toBe(true);
    expect(ignored('*.log', 'logs/a.log')).toBe(false); // * never crosses a /
    expect(ignored('**/*.log', 'logs/deep/a.log')).toBe(true);
    expect(ignored('**/*.log', 'a.log')).toBe(true);
    expect(ignored('build', 'build/out/x')).toBe(true); // a folder's pattern covers what is in it
    expect(ignored('/build/', 'build/x')).toBe(true);
    expect(ignored('docs/**', 'docs/a/b')).toBe(true);
    expect(ignored('docs/**', 'docsx')).toBe(false);
    expect(ignored('file?.txt', 'file1.txt')).toBe(true);
    expect(ignored('file?.txt', 'file10.txt')).toBe(false);
    expect(ignored('# *\n', 'anything')).toBe(false);
    expect(ignored('a.b', 'axb')).toBe(false); // a dot is a dot
    expect(ignored('', 'anything')).toBe(false);
  });

  it('refuses what Docker refuses', () => {
    expect(() => parseDockerignore('!\n')).toThrow('illegal exclusion pattern');
  });
});

describe('the images a Dockerfile builds from', () => {
  it("names the generated Dockerfile's base images with the node's build args, never a stage or scratch", () => {
    const dockerfile = read('Dockerfile.kicbase');
    expect(dockerfileSources(dockerfile, { BINARY_SOURCE: 'local', KICBASE_IMAGE: 'nx-kubelet/kicbase-stand-in:v0.0.47' })).toEqual({
      images: ['golang:1.24-alpine', 'nx-kubelet/kicbase-stand-in:v0.0.47'],
    });
    // The ARG defaults, expanded one through the other (KICBASE_IMAGE from KICBASE_VERSION).
    expect(dockerfileSources(dockerfile, { KICBASE_VERSION: 'v0.0.99', KUBE_VERSION_GO: '1.25' }).images).toEqual([
      'gcr.io/k8s-minikube/kicbase:v0.0.99',
      'golang:1.24-alpine',
      'golang:1.25-alpine',
    ]);
  });

  it('counts COPY --from and RUN --mount from= images, and knows stages by name and number', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1',
      'ARG BASE=debian:12',
      'FROM ${BASE} AS one',
      'FROM one',
      'COPY --from=0 /a /a',
      'COPY --from=one /b /b',
      'COPY --from=busybox:1.36 \\',
      '  /bin/busybox /bin/',
      'RUN --mount=type=bind,from=alpine:3,target=/x true',
    ].join('\n');
    expect(dockerfileSources(dockerfile, {})).toEqual({ images: ['alpine:3', 'busybox:1.36', 'debian:12'] });
  });

  it('cannot tell an image named through a variable of a stage, nor a remote ADD', () => {
    expect(dockerfileSources('FROM ${TARGETARCH}/debian\n', {}).unknown).toContain('FROM ${TARGETARCH}/debian');
    expect(dockerfileSources('FROM debian\nARG X=busybox\nCOPY --from=${X} /a /a\n', {}).unknown).toContain('COPY --from names ${X}');
    expect(dockerfileSources('FROM debian\nADD https://example.com/a.tgz /a\n', {}).unknown).toContain('https://example.com/a.tgz');
  });
});

describe("the compose service's build settings", () => {
  const compose = parse(read('compose.yaml'));

  it('takes the build section, the image and the build args of the generated node', () => {
    const settings = composeBuildSettings(compose, 'example-node', {});
    if ('unknown' in settings) throw new Error(settings.unknown);
    expect(settings.args).toMatchObject({ KUBE_VERSION: 'v1.34.11', BINARY_SOURCE: 'source', KUBE_VERSION_GO: '1.24' });
    expect(settings).toMatchObject({ context: '.', dockerfile: 'Dockerfile.kicbase', usesEnvironment: false });
    expect(settings.settings.image).toBe('nx-kubelet-example-node:v1.34.11');
  });

  it('interpolates as Compose does (the environment given), and says when it used it', () => {
    const document = {
      services: { n: { build: { context: '.', args: { A: '${A_VALUE:-fallback}', FROM_ENV: null }, dockerfile: 'D' }, image: 'n:${TAG}' } },
    };
    const settings = composeBuildSettings(document, 'n', { A_VALUE: 'set', FROM_ENV: 'e', TAG: '1' });
    if ('unknown' in settings) throw new Error(settings.unknown);
    expect(settings.args).toEqual({ A: 'set', FROM_ENV: 'e' });
    expect(settings.settings.image).toBe('n:1');
    expect(settings.usesEnvironment).toBe(true);
    const list = composeBuildSettings({ services: { n: { build: { args: ['A=1', 'B'] } } } }, 'n', { B: '2' });
    expect('unknown' in list ? list : list.args).toEqual({ A: '1', B: '2' });
  });

  it('cannot tell include:, extends:, a remote context, additional contexts or build.pull, and says so', () => {
    const unknown = (document: Record<string, unknown>) => (composeBuildSettings(document, 'n', {}) as { unknown?: string }).unknown;
    expect(unknown({ include: ['other.yaml'], services: { n: { build: '.' } } })).toContain('include');
    expect(unknown({ services: { n: { extends: { service: 'm' }, build: '.' } } })).toContain('extends');
    expect(unknown({ services: { n: { build: 'https://github.com/x/y.git' } } })).toContain('remote');
    expect(unknown({ services: { n: { build: { context: '.', additional_contexts: { a: '../a' } } } } })).toContain('additional contexts');
    expect(unknown({ services: { n: { build: { context: '.', pull: true } } } })).toContain('build.pull');
    expect(unknown({ services: { n: { image: 'x' } } })).toContain('no build section');
    expect(unknown({ services: { n: { build: { args: { A: '${REQUIRED:?set it}' } } } } })).toContain('REQUIRED');
  });
});

describe('the hash of the inputs', () => {
  const file = (path: string, content: string, mode = 0o644): ContextEntry => ({ path, type: 'file', mode, sha256: content });
  const base: ImageInputs = {
    settings: { build: { context: '.', dockerfile: 'Dockerfile.kicbase', args: { KUBE_VERSION: 'v1.34.11' } }, image: 'n:v1.34.11' },
    buildArgs: { KUBE_VERSION: 'v1.34.11' },
    builderEnv: {},
    dockerfile: 'FROM base\nCOPY kubelet.yaml /\n',
    ignoreFile: '*\n!kubelet.yaml\n',
    context: [file('kubelet.yaml', 'aaa'), file('bin/kubelet', 'bbb', 0o755), { path: 'bin', type: 'dir', mode: 0o755 }],
    baseImages: { base: 'sha256:1' },
  };
  const hash = imageInputsHash(base);

  it('is a sha256, the same for the same inputs in any order', () => {
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(imageInputsHash({ ...base, context: [...base.context].reverse(), builderEnv: { DOCKER_BUILDKIT: undefined } })).toBe(hash);
  });

  // Each input, changed alone, changes the hash: none is left out.
  const changes: [string, Partial<ImageInputs>][] = [
    ['a copied file', { context: [file('kubelet.yaml', 'aab'), ...base.context.slice(1)] }],
    ["a file's permission bits", { context: [base.context[0], file('bin/kubelet', 'bbb', 0o644), base.context[2]] }],
    ['a new file', { context: [...base.context, file('bin/extra', 'c')] }],
    ['a removed file', { context: base.context.slice(1) }],
    ['a renamed file', { context: [file('kubelet.yml', 'aaa'), ...base.context.slice(1)] }],
    ["a symlink's target", { context: [...base.context, { path: 'l', type: 'symlink', mode: 0o777, target: 'b' }] }],
    ['the Dockerfile', { dockerfile: `${base.dockerfile}RUN true\n` }],
    ['the ignore file', { ignoreFile: `${base.ignoreFile}!bin/\n` }],
    ['a build arg', { buildArgs: { KUBE_VERSION: 'v1.34.12' } }],
    ['a compose build setting', { settings: { ...base.settings, build: { ...base.settings.build, target: 'x' } } }],
    ['the image name', { settings: { ...base.settings, image: 'n:other' } }],
    ['the platform', { platform: 'linux/arm64' }],
    ['the builder', { builderEnv: { DOCKER_BUILDKIT: '0' } }],
    ['the .env file', { dotEnv: 'A=1\n' }],
    ["a base image's local ID", { baseImages: { base: 'sha256:2' } }],
    ['a base image going missing', { baseImages: { base: null } }],
  ];
  it.each(changes)('changes with %s', (_, change) => {
    expect(imageInputsHash({ ...base, ...change })).not.toBe(hash);
  });
});

describe('imageInputs (the Nx inputs of build) and the build context', () => {
  it("cover every file of the generated node's build context", () => {
    const patterns = parseDockerignore(read('.dockerignore'));
    const globs = imageInputs().map((glob) => new RegExp(`^${glob.replace(/[.]/g, '\\.').replace('/**/*', '/.+')}$`));
    const context = ['Dockerfile.kicbase', 'kubelet.yaml', 'units/kubelet.service', 'manifests/hello-world.yaml', 'bin/kubelet', 'compose.yaml', 'README.md'];
    const sent = context.filter((path) => !isIgnored(path, patterns));
    expect(sent).toEqual(['Dockerfile.kicbase', 'kubelet.yaml', 'units/kubelet.service', 'manifests/hello-world.yaml', 'bin/kubelet']);
    expect(sent.filter((path) => !globs.some((glob) => glob.test(path)))).toEqual([]);
  });
});
