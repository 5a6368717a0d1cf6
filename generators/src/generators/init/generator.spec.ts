import { readJson, readNxJson, Tree, updateNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { initGenerator } from './generator';

describe('init generator (nx add nx-kubelet)', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
  });

  it('registers the plugin in nx.json and the package in devDependencies', async () => {
    await initGenerator(tree, {});
    expect(readNxJson(tree)?.plugins).toEqual(['nx-kubelet']);
    expect(readJson(tree, 'package.json').devDependencies['nx-kubelet']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('is idempotent, also when the plugin is registered with options', async () => {
    updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: 'nx-kubelet', options: { buildTargetName: 'image' } }] });
    await initGenerator(tree, {});
    await initGenerator(tree, {});
    expect(readNxJson(tree)?.plugins).toEqual([{ plugin: 'nx-kubelet', options: { buildTargetName: 'image' } }]);
  });

  it('keeps an existing version with keepExistingVersions', async () => {
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { 'nx-kubelet': '0.1.0' } }));
    await initGenerator(tree, { keepExistingVersions: true });
    expect(readJson(tree, 'package.json').devDependencies['nx-kubelet']).toBe('0.1.0');
  });
});
