import { readProjectConfiguration, Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse } from 'yaml';
import { syncGenerator } from '../sync/generator';
import { matrixGenerator } from './generator';

describe('matrix generator', () => {
  let tree: Tree;
  const read = (path: string) => tree.read(path, 'utf-8');
  const problemsOf = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      return ((error as { problems?: string[] }).problems ?? [String(error)]).join('\n');
    }
    return '';
  };

  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await matrixGenerator(tree, { name: 'edge', kubeVersions: '1.29,1.37', binarySource: 'local', skipFormat: true });
  });

  it('makes the shared files, its project with a report target, and one tagged node per version', () => {
    expect(parse(read('packages/edge/kubelet-matrix.yaml')!).members.map((m: { name: string }) => m.name)).toEqual(['edge-1-29', 'edge-1-37']);
    expect(read('packages/edge/kubelet.yaml')).toMatch(/kind: KubeletConfiguration/);
    expect(read('packages/edge/manifests/hello-world.yaml')).toMatch(/name: hello-world/);
    expect(readProjectConfiguration(tree, 'edge').targets?.report?.executor).toBe('nx-kubelet:report');
    for (const [name, dir] of [
      ['edge-1-29', '1-29'],
      ['edge-1-37', '1-37'],
    ]) {
      const project = readProjectConfiguration(tree, name);
      expect(project.root).toBe(`packages/edge/${dir}`);
      expect(project.tags).toContain('matrix:edge');
      expect(read(`packages/edge/${dir}/manifests/hello-world.yaml`)).toMatch(/^# Copied from \.\.\/manifests\/hello-world\.yaml/);
      expect(read(`packages/edge/${dir}/kubelet.conf.d/50-matrix.conf`)).toMatch(/kind: KubeletConfiguration/);
      expect(read(`packages/edge/${dir}/compose.yaml`)).toMatch(/BINARY_SOURCE: local/);
    }
    expect(read('packages/edge/1-29/Dockerfile.kicbase')).toMatch(/ARG KUBE_VERSION=v1\.29\./);
  });

  it('adds and drops nodes when run again with other versions, keeping the nodes that stay and the options', async () => {
    tree.write('packages/edge/1-29/manifests/own.yaml', 'kind: Pod\n');
    await matrixGenerator(tree, { name: 'edge', kubeVersions: '1.29,1.34', skipFormat: true });
    expect(tree.exists('packages/edge/1-37')).toBe(false);
    expect(() => readProjectConfiguration(tree, 'edge-1-37')).toThrow();
    expect(read('packages/edge/1-29/manifests/own.yaml')).toBe('kind: Pod\n');
    expect(read('packages/edge/1-34/compose.yaml')).toMatch(/BINARY_SOURCE: local/);
    expect(parse(read('packages/edge/kubelet-matrix.yaml')!).members.map((m: { name: string }) => m.name)).toEqual(['edge-1-29', 'edge-1-34']);
  });

  it('makes a node of the record again when its folder is gone, and keeps the record entry of a node that stays', async () => {
    tree.delete('packages/edge/1-37');
    await matrixGenerator(tree, { name: ' edge ', kubeVersions: '1.29,1.37', skipFormat: true });
    expect(read('packages/edge/1-37/Dockerfile.kicbase')).toMatch(/ARG KUBE_VERSION=v1\.37\./);
    expect(() => readProjectConfiguration(tree, ' edge ')).toThrow();
  });

  it('refuses to drop a node with your edits unless --force, and changes nothing', async () => {
    tree.write('packages/edge/1-37/Dockerfile.kicbase', `${read('packages/edge/1-37/Dockerfile.kicbase')}RUN echo mine\n`);
    const record = read('packages/edge/kubelet-matrix.yaml');
    expect(await problemsOf(() => matrixGenerator(tree, { name: 'edge', kubeVersions: '1.29', skipFormat: true }))).toMatch(
      /packages\/edge\/1-37\/Dockerfile\.kicbase: changed[\s\S]*--force/,
    );
    expect(read('packages/edge/kubelet-matrix.yaml')).toBe(record);
    expect(tree.exists('packages/edge/1-37/Dockerfile.kicbase')).toBe(true);
    await matrixGenerator(tree, { name: 'edge', kubeVersions: '1.29', force: true, skipFormat: true });
    expect(tree.exists('packages/edge/1-37')).toBe(false);
  });

  it('refuses bad input before writing anything', async () => {
    const fresh = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    expect(await problemsOf(() => matrixGenerator(fresh, { name: 'other', kubeVersions: '1.29,2.0', skipFormat: true }))).toMatch(/2\.0/);
    expect(fresh.exists('packages/other')).toBe(false);
    fresh.write('packages/mine/notes.txt', 'mine');
    expect(await problemsOf(() => matrixGenerator(fresh, { name: 'mine', kubeVersions: '1.29', skipFormat: true }))).toMatch(
      /already has files \(notes\.txt\)/,
    );
    expect(await problemsOf(() => matrixGenerator(tree, { name: 'other', directory: 'packages/edge', kubeVersions: '1.29', skipFormat: true }))).toMatch(
      /record of matrix "edge", not "other"/,
    );
    expect(await problemsOf(() => matrixGenerator(fresh, { name: 'num', kubeVersions: 1.3, skipFormat: true }))).toMatch(
      /The nx CLI read --kubeVersions as the number 1\.3; .* --kubeVersions=v1\.30/,
    );
    expect(await problemsOf(() => matrixGenerator(fresh, { name: 'up', directory: 'packages/../..', kubeVersions: '1.29', skipFormat: true }))).toMatch(
      /--directory "packages\/\.\.\/\.\." is not a folder inside the workspace/,
    );
    tree.write('packages/edge/kubelet-matrix.yaml', 'name: edge\nmembers: 3\n');
    expect(await problemsOf(() => matrixGenerator(tree, { name: 'edge', kubeVersions: '1.29', skipFormat: true }))).toMatch(/members is not a list/);
  });

  it('nx sync copies changed shared manifests and settings into every node, and says what it did', async () => {
    expect(await syncGenerator(tree)).toEqual({});
    tree.write('packages/edge/manifests/web.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n');
    tree.write('packages/edge/kubelet.yaml', 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 50\n');
    const result = await syncGenerator(tree);
    expect(result.outOfSyncDetails).toEqual(
      expect.arrayContaining([
        "packages/edge/1-29/manifests/web.yaml: copied from the matrix's manifests/",
        "packages/edge/1-37/kubelet.conf.d/50-matrix.conf: updated from the matrix's kubelet.yaml",
      ]),
    );
    expect(parse(read('packages/edge/1-37/kubelet.conf.d/50-matrix.conf')!).maxPods).toBe(50);
    expect(await syncGenerator(tree)).toEqual({});
    tree.write('packages/edge/kubelet.yaml', 'maxPods: [\n');
    await expect(syncGenerator(tree)).rejects.toThrow(/packages\/edge\/kubelet\.yaml: does not parse/);
  });
});

describe('matrix schema', () => {
  it("describes the node options it passes on exactly as the node generator's schema does", () => {
    const matrix = require('./schema.json').properties;
    const node = require('../kubelet-node/schema.json').properties;
    for (const option of ['binarySource', 'kicbaseImage', 'engine', 'dockerContext', 'dockerHost', 'cpus', 'memory', 'allowUnknownVersions', 'skipFormat']) {
      expect([option, matrix[option]]).toEqual([option, node[option]]);
    }
  });
});
