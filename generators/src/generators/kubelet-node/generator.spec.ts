import { addProjectConfiguration, readNxJson, readProjectConfiguration, Tree, updateNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { FsTree } from 'nx/src/generators/tree';
import { readTextFiles } from 'kubelet-node';
import { parse } from 'yaml';
import { checkKubeletConfiguration, checkStandaloneSettings, parseKubeletYaml } from '../../../tests/support/kubelet-configuration';
import { kubeletNodeGenerator } from './generator';

const NODE_FILES = [
  '.dockerignore',
  'Dockerfile.kicbase',
  'README.md',
  'compose.yaml',
  'kubelet.yaml',
  'manifests/hello-world.yaml',
  'project.json',
  'units/cri-docker.service',
  'units/cri-docker.socket',
  'units/kubelet.service',
];

function filesUnder(tree: Tree, dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const child of tree.children(path)) {
      const full = `${path}/${child}`;
      if (tree.isFile(full)) out.push(relative(dir, full).split(sep).join('/'));
      else walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

function read(tree: Tree, path: string): string {
  const content = tree.read(path, 'utf-8');
  if (content === null) throw new Error(`${path} was not written`);
  return content;
}

describe('kubelet-node generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
  });

  describe('with defaults', () => {
    beforeEach(async () => {
      await kubeletNodeGenerator(tree, { name: 'my-node' });
    });

    it('writes every file of a node under packages/<name>', () => {
      expect(filesUnder(tree, 'packages/my-node')).toEqual(NODE_FILES);
    });

    it('registers a minimal Nx project with its declared versions, and the plugin that infers its targets', () => {
      const project = readProjectConfiguration(tree, 'my-node');
      expect(project.root).toBe('packages/my-node');
      expect(project.targets ?? {}).toEqual({});
      expect(project.metadata?.['nx-kubelet' as never]).toEqual({
        kubeVersion: 'v1.34.11',
        kubeGoVersion: '1.24',
        criDockerdVersion: 'v0.3.21',
        criDockerdGoVersion: '1.24',
        kicbaseVersion: 'v0.0.47',
      });
      expect(readNxJson(tree)?.plugins).toContain('nx-kubelet');
    });

    it('uses the reference versions as Dockerfile ARG defaults and compose build args', () => {
      const dockerfile = read(tree, 'packages/my-node/Dockerfile.kicbase');
      for (const arg of [
        'KICBASE_VERSION=v0.0.47',
        'KUBE_VERSION=v1.34.11',
        'KUBE_VERSION_GO=1.24',
        'CRI_DOCKERD_VERSION=v0.3.21',
        'CRI_DOCKERD_VERSION_GO=1.24',
      ]) {
        expect(dockerfile).toContain(`\nARG ${arg}\n`);
      }
      const compose = parse(read(tree, 'packages/my-node/compose.yaml'));
      expect(compose.services['my-node'].build.args).toEqual({
        KICBASE_VERSION: 'v0.0.47',
        KUBE_VERSION: 'v1.34.11',
        KUBE_VERSION_GO: '1.24',
        CRI_DOCKERD_VERSION: 'v0.3.21',
        CRI_DOCKERD_VERSION_GO: '1.24',
        BINARY_SOURCE: 'source',
      });
    });

    it('keeps the reference build stages, selects binary stages by BINARY_SOURCE, and does not download a Go toolchain', () => {
      const dockerfile = read(tree, 'packages/my-node/Dockerfile.kicbase');
      expect(dockerfile.match(/^FROM .*$/gm)).toEqual([
        'FROM ${GOLANG_IMAGE}:${CRI_DOCKERD_VERSION_GO}-alpine AS cri-dockerd-source',
        'FROM ${GOLANG_IMAGE}:${KUBE_VERSION_GO}-alpine AS kubelet-source',
        'FROM scratch AS binaries-source',
        'FROM ${KICBASE_IMAGE} AS binaries-release',
        'FROM ${KICBASE_IMAGE} AS binaries-local',
        'FROM binaries-${BINARY_SOURCE} AS binaries',
        'FROM ${KICBASE_IMAGE}',
      ]);
      expect(dockerfile).toContain('\nARG BINARY_SOURCE=source\n');
      expect(dockerfile).toContain('GOTOOLCHAIN=local');
      expect(dockerfile).toContain('FORCE_HOST_GO=y KUBE_STATIC_OVERRIDES=kubelet');
    });

    it('writes a standalone kubelet.yaml that the KubeletConfiguration model accepts', () => {
      const config = parseKubeletYaml(read(tree, 'packages/my-node/kubelet.yaml'));
      expect(checkKubeletConfiguration(config, '1.34')).toEqual([]);
      expect(checkStandaloneSettings(config, '1.34')).toEqual([]);
    });

    it('publishes no kubelet port from the container', () => {
      const service = parse(read(tree, 'packages/my-node/compose.yaml')).services['my-node'];
      expect(service.ports).toBeUndefined();
    });

    it('renders the reference nginx static pod', () => {
      expect(parse(read(tree, 'packages/my-node/manifests/hello-world.yaml'))).toEqual({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'hello-world', namespace: 'default' },
        spec: { restartPolicy: 'Never', containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
      });
    });
  });

  it('keeps packages/example-node byte-identical to what the generator produces (regenerate: node tools/update-example-node.js)', async () => {
    await kubeletNodeGenerator(tree, { name: 'example-node' });
    const exampleDir = join(__dirname, '..', '..', '..', '..', 'packages', 'example-node');
    const onDisk = readTextFiles(exampleDir);
    const generated = Object.fromEntries(filesUnder(tree, 'packages/example-node').map((path) => [path, read(tree, `packages/example-node/${path}`)]));
    expect(onDisk).toEqual(generated);
  });

  describe('options', () => {
    it('--explicitTargets writes the nine targets into project.json, with the sync generator on build', async () => {
      await kubeletNodeGenerator(tree, { name: 'explicit', explicitTargets: true });
      const project = readProjectConfiguration(tree, 'explicit');
      expect(Object.keys(project.targets ?? {})).toEqual(['build', 'up', 'down', 'logs', 'status', 'shell', 'load', 'apply', 'export-logs', 'report']);
      for (const [name, target] of Object.entries(project.targets ?? {})) expect(target.executor).toBe(`nx-kubelet:${name}`);
      expect(project.targets?.build.syncGenerators).toEqual(['nx-kubelet:sync']);
    });

    it("--explicitTargets names the plugin's imageBuildTargetName in dependsOn, as the inferred targets do", async () => {
      await kubeletNodeGenerator(tree, { name: 'plain', explicitTargets: true });
      expect(readProjectConfiguration(tree, 'plain').targets?.load.dependsOn).toEqual([{ target: 'docker:build', dependencies: true }]);
      updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: 'nx-kubelet', options: { imageBuildTargetName: 'image' } }] });
      await kubeletNodeGenerator(tree, { name: 'named', explicitTargets: true });
      const targets = readProjectConfiguration(tree, 'named').targets ?? {};
      for (const name of ['load', 'apply']) expect(targets[name].dependsOn).toEqual([{ target: 'image', dependencies: true }]);
      expect(targets.up.dependsOn).toContainEqual({ target: 'image', dependencies: true });
    });

    it('registers the plugin in nx.json only once', async () => {
      await kubeletNodeGenerator(tree, { name: 'a1' });
      await kubeletNodeGenerator(tree, { name: 'a2' });
      expect(readNxJson(tree)?.plugins?.filter((p) => p === 'nx-kubelet')).toHaveLength(1);
    });

    it('writes into --directory and applies --tags and --hostname', async () => {
      await kubeletNodeGenerator(tree, { name: 'edge', directory: 'nodes/lab/edge', tags: 'k8s,lab', hostname: 'edge-1.lab' });
      expect(filesUnder(tree, 'nodes/lab/edge')).toEqual(NODE_FILES);
      const project = JSON.parse(read(tree, 'nodes/lab/edge/project.json'));
      expect(project.tags).toEqual(['k8s', 'lab']);
      expect(project.$schema).toBe('../../../node_modules/nx/schemas/project-schema.json');
      expect(parse(read(tree, 'nodes/lab/edge/compose.yaml')).services.edge.hostname).toBe('edge-1.lab');
    });

    it('accepts an absolute --directory inside the workspace', async () => {
      await kubeletNodeGenerator(tree, { name: 'abs', directory: join(tree.root, 'nodes', 'abs') });
      expect(tree.exists('nodes/abs/Dockerfile.kicbase')).toBe(true);
    });

    it('leaves the example pod out with --examplePod=false but keeps manifests/ for the image build', async () => {
      await kubeletNodeGenerator(tree, { name: 'bare', examplePod: false });
      expect(tree.exists('packages/bare/manifests/hello-world.yaml')).toBe(false);
      expect(read(tree, 'packages/bare/manifests/.gitkeep')).toBe('');
    });

    it('renders the chosen Go versions into ARG defaults and compose args', async () => {
      await kubeletNodeGenerator(tree, { name: 'go', kubeGoVersion: '1.25.3', criDockerdGoVersion: '1.26' });
      const dockerfile = read(tree, 'packages/go/Dockerfile.kicbase');
      expect(dockerfile).toContain('\nARG KUBE_VERSION_GO=1.25.3\n');
      expect(dockerfile).toContain('\nARG CRI_DOCKERD_VERSION_GO=1.26\n');
      expect(parse(read(tree, 'packages/go/compose.yaml')).services.go.build.args.KUBE_VERSION_GO).toBe('1.25.3');
    });

    it('renders a kicbase version into the base image', async () => {
      await kubeletNodeGenerator(tree, { name: 'deb', kicbaseVersion: '0.0.49' });
      expect(read(tree, 'packages/deb/Dockerfile.kicbase')).toContain(
        '\nARG KICBASE_VERSION=v0.0.49\nARG KICBASE_IMAGE=gcr.io/k8s-minikube/kicbase:${KICBASE_VERSION}\n',
      );
      expect(read(tree, 'packages/deb/README.md')).toContain('Debian 12 (bookworm)');
    });

    it('lets several nodes coexist: distinct compose projects, services, volumes and images', async () => {
      await kubeletNodeGenerator(tree, { name: 'a' });
      await kubeletNodeGenerator(tree, { name: 'b' });
      const [a, b] = ['a', 'b'].map((n) => parse(read(tree, `packages/${n}/compose.yaml`)));
      expect(a.name).not.toBe(b.name);
      expect(Object.keys(a.services)).not.toEqual(Object.keys(b.services));
      expect(Object.keys(a.volumes)).not.toEqual(Object.keys(b.volumes));
      expect(a.services.a.image).not.toBe(b.services.b.image);
    });
  });

  describe('--binarySource and --kicbaseImage', () => {
    it.each(['source', 'release', 'local'] as const)('renders BINARY_SOURCE=%s into the Dockerfile and compose args', async (binarySource) => {
      await kubeletNodeGenerator(tree, { name: 'b', binarySource });
      expect(read(tree, 'packages/b/Dockerfile.kicbase')).toContain(`\nARG BINARY_SOURCE=${binarySource}\n`);
      expect(parse(read(tree, 'packages/b/compose.yaml')).services.b.build.args.BINARY_SOURCE).toBe(binarySource);
      expect(tree.exists('packages/b/bin/README.md')).toBe(binarySource === 'local');
    });

    it('orders the image so that configuration layers come after the binaries', async () => {
      await kubeletNodeGenerator(tree, { name: 'o' });
      const finalStage = read(tree, 'packages/o/Dockerfile.kicbase').split('\nFROM ${KICBASE_IMAGE}\n')[1];
      const order = ['COPY --from=binaries', 'COPY units/', 'COPY kubelet.yaml', 'COPY manifests/'].map((line) => finalStage.indexOf(line));
      expect(order.every((position) => position >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it('pins the cri-dockerd release checksums for release builds', async () => {
      await kubeletNodeGenerator(tree, { name: 'r', binarySource: 'release' });
      expect(read(tree, 'packages/r/Dockerfile.kicbase')).toMatch(/\nARG CRI_DOCKERD_SHA256_AMD64=[0-9a-f]{64}\n/);
    });

    it('uses --kicbaseImage literally as the base image', async () => {
      const image = `registry.local:5000/mirror/kicbase:v0.0.47@sha256:${'a'.repeat(64)}`;
      await kubeletNodeGenerator(tree, { name: 'm', kicbaseImage: image });
      const dockerfile = read(tree, 'packages/m/Dockerfile.kicbase');
      expect(dockerfile).toContain(`\nARG KICBASE_IMAGE=${image}\n`);
      expect(dockerfile).not.toContain('ARG KICBASE_IMAGE=gcr.io');
    });

    it.each([['not an image!'], ['UPPER/case:tag'], ['repo@sha256:short']])('refuses the --kicbaseImage %j and writes nothing', async (kicbaseImage) => {
      await expect(kubeletNodeGenerator(tree, { name: 'm', kicbaseImage })).rejects.toThrow(`--kicbaseImage "${kicbaseImage}" is not an image reference`);
      expect(tree.exists('packages/m')).toBe(false);
    });

    it('refuses an unknown --binarySource', async () => {
      await expect(kubeletNodeGenerator(tree, { name: 'x', binarySource: 'ftp' as never })).rejects.toThrow(
        '--binarySource "ftp" is not one of source, release, local.',
      );
    });
  });

  describe('version-dependent content', () => {
    it.each([
      ['1.29', '3.9', true, false],
      ['1.31', '3.10', true, true],
      ['1.34', '3.10.1', true, true],
      ['1.35', '3.10.1', false, true],
      ['1.36', '3.10.2', false, true],
    ])('Kubernetes %s: pause %s, kubelet flag %s, failCgroupV1 %s', async (minor, pause, kubeletFlag, failCgroupV1) => {
      await kubeletNodeGenerator(tree, { name: 'v', kubeVersion: minor });
      const kubeletUnit = read(tree, 'packages/v/units/kubelet.service');
      const execStart = kubeletUnit.split('\n').filter((line) => line.startsWith('ExecStart='));
      expect(execStart).toHaveLength(1);
      expect(execStart[0].includes('--pod-infra-container-image')).toBe(kubeletFlag);
      expect(read(tree, 'packages/v/units/cri-docker.service')).toContain(`--pod-infra-container-image=registry.k8s.io/pause:${pause} `);
      const config = parseKubeletYaml(read(tree, 'packages/v/kubelet.yaml'));
      expect(config.failCgroupV1 === false).toBe(failCgroupV1);
      expect(checkKubeletConfiguration(config, minor)).toEqual([]);
      expect(checkStandaloneSettings(config, minor)).toEqual([]);
    });
  });

  describe('invalid input changes nothing', () => {
    it.each([
      [{ name: 'Bad_Name' }, 'Invalid node name "Bad_Name"'],
      [{ name: 'n', kubeVersion: '1.99' }, "Kubernetes 1.99 is not in nx-kubelet's version matrix"],
      [{ name: 'n', kubeVersion: 'one.two' }, '--kubeVersion "one.two" is not a Kubernetes version'],
      [{ name: 'n', criDockerdVersion: 'v0.3.15', kubeVersion: '1.34' }, 'cri-dockerd v0.3.15 is too old for Kubernetes 1.34'],
      [{ name: 'n', kubeGoVersion: '1.21' }, '--kubeGoVersion 1.21 is too old for Kubernetes v1.34.11'],
      [{ name: 'n', directory: '../outside' }, '--directory "../outside" is outside the workspace'],
      [{ name: 'n', directory: '/tmp/outside' }, '--directory "/tmp/outside" is outside the workspace'],
    ])('%j fails with a specific message', async (options, message) => {
      const before = tree.listChanges().length;
      await expect(kubeletNodeGenerator(tree, options)).rejects.toThrow(message);
      expect(tree.listChanges()).toHaveLength(before);
    });

    it('refuses an existing project', async () => {
      addProjectConfiguration(tree, 'taken', { root: 'apps/taken' });
      const before = tree.listChanges().length;
      await expect(kubeletNodeGenerator(tree, { name: 'taken' })).rejects.toThrow('A project named "taken" already exists');
      expect(tree.listChanges()).toHaveLength(before);
    });

    it('refuses the name of a node the plugin infers (a folder without project.json)', async () => {
      tree.write('nodes/handmade/Dockerfile.kicbase', 'FROM scratch\n');
      tree.write('nodes/handmade/docker-compose.yml', 'services: {}\n');
      const before = tree.listChanges().length;
      await expect(kubeletNodeGenerator(tree, { name: 'handmade' })).rejects.toThrow('A project named "handmade" already exists');
      expect(tree.listChanges()).toHaveLength(before);
    });

    it('sees a project added to the tree between two runs', async () => {
      await kubeletNodeGenerator(tree, { name: 'first' });
      addProjectConfiguration(tree, 'second', { root: 'apps/second' });
      await expect(kubeletNodeGenerator(tree, { name: 'second' })).rejects.toThrow('A project named "second" already exists');
      await expect(kubeletNodeGenerator(tree, { name: 'first', directory: 'elsewhere/first' })).rejects.toThrow('A project named "first" already exists');
    });

    it('refuses a misspelled option, naming the closest one', async () => {
      const before = tree.listChanges().length;
      await expect(kubeletNodeGenerator(tree, { name: 'n', kubeVerison: '1.35' } as never)).rejects.toThrow(
        '--kubeVerison is not an option of nx-kubelet:kubelet-node: did you mean --kubeVersion?',
      );
      await expect(kubeletNodeGenerator(tree, { name: 'n', colour: 'red' } as never)).rejects.toThrow(
        /--colour is not an option of nx-kubelet:kubelet-node\.\nIts options: --name, /,
      );
      expect(tree.listChanges()).toHaveLength(before);
    });

    it('refuses a directory that already has files', async () => {
      tree.write('packages/n/notes.txt', 'mine');
      await expect(kubeletNodeGenerator(tree, { name: 'n' })).rejects.toThrow('The directory "packages/n" already contains files');
      expect(tree.children('packages/n')).toEqual(['notes.txt']);
    });
  });
});

describe('kubelet-node generator on a real workspace folder', () => {
  const dirs: string[] = [];
  let root: string;
  let outside: string;
  let tree: Tree;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-kubelet-ws-'));
    outside = mkdtempSync(join(tmpdir(), 'nx-kubelet-outside-'));
    dirs.push(root, outside);
    writeFileSync(join(root, 'nx.json'), '{}\n');
    writeFileSync(join(root, 'package.json'), '{ "name": "ws", "private": true }\n');
    tree = new FsTree(root, false);
  });

  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it.each([
    ['--directory through a symbolic link', { name: 'n1', directory: 'linked/n1' }, 'linked', 'linked/n1', 'n1'],
    ['the name-derived folder through a symbolic link', { name: 'n2' }, 'packages', 'packages/n2', 'n2'],
    ['--directory that is itself a symbolic link', { name: 'n3', directory: 'nodes/n3' }, 'nodes/n3', 'nodes/n3', ''],
  ])('refuses %s that resolves outside the workspace, before anything is written', async (_what, options, link, directory, rest) => {
    mkdirSync(join(root, link, '..'), { recursive: true });
    symlinkSync(outside, join(root, link));
    const real = join(realpathSync(outside), rest);
    await expect(kubeletNodeGenerator(tree, options)).rejects.toThrow(
      `The directory "${directory}" resolves through a symbolic link to ${real}, outside the workspace.`,
    );
    expect(tree.listChanges()).toEqual([]);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('accepts a symbolic link that stays inside the workspace', async () => {
    mkdirSync(join(root, 'real-nodes'));
    symlinkSync(join(root, 'real-nodes'), join(root, 'nodes'));
    await kubeletNodeGenerator(tree, { name: 'n4', directory: 'nodes/n4', skipFormat: true });
    expect(tree.exists('nodes/n4/compose.yaml')).toBe(true);
  });
});
