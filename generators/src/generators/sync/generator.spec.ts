import { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { kubeletNodeGenerator } from '../kubelet-node/generator';
import { syncGenerator } from './generator';

describe('sync generator', () => {
  let tree: Tree;
  const dockerfile = 'packages/n/Dockerfile.kicbase';
  const compose = 'packages/n/compose.yaml';

  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await kubeletNodeGenerator(tree, { name: 'n' });
  });

  it('reports nothing for a node whose files match its declared versions', async () => {
    expect(await syncGenerator(tree)).toEqual({});
  });

  it('reports and repairs an ARG default and a compose build arg edited by hand, and nothing else', async () => {
    const userLine = '# my own comment\n';
    tree.write(dockerfile, `${tree.read(dockerfile, 'utf-8')!.replace('ARG KUBE_VERSION=v1.34.0', 'ARG KUBE_VERSION=v1.34.5')}${userLine}`);
    tree.write(compose, tree.read(compose, 'utf-8')!.replace('KUBE_VERSION_GO: "1.24"', 'KUBE_VERSION_GO: "1.25"'));
    const result = await syncGenerator(tree);
    expect(result.outOfSyncMessage).toContain('differ from the versions declared in their project.json');
    expect(result.outOfSyncDetails).toEqual([
      'packages/n/Dockerfile.kicbase: ARG KUBE_VERSION v1.34.5 → v1.34.0',
      'packages/n/compose.yaml: build arg KUBE_VERSION_GO 1.25 → 1.24',
    ]);
    expect(tree.read(dockerfile, 'utf-8')).toContain('\nARG KUBE_VERSION=v1.34.0\n');
    expect(tree.read(dockerfile, 'utf-8')!.endsWith(userLine)).toBe(true);
    expect(tree.read(compose, 'utf-8')).toContain('KUBE_VERSION_GO: "1.24"');
    expect(await syncGenerator(tree)).toEqual({});
  });

  it('takes a version changed in project.json as the truth', async () => {
    const projectPath = 'packages/n/project.json';
    tree.write(projectPath, tree.read(projectPath, 'utf-8')!.replace('"kubeVersion": "v1.34.0"', '"kubeVersion": "v1.34.11"'));
    const result = await syncGenerator(tree);
    expect(result.outOfSyncDetails).toContain('packages/n/Dockerfile.kicbase: ARG KUBE_VERSION v1.34.0 → v1.34.11');
  });
});
