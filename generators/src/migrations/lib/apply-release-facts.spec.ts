import { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ManagedFact, MANAGED_FACTS } from 'kubelet-node';
import { yamlTopLevelField } from '../../../../packages/kubelet-node/src/core/locators';
import { applyReleaseFacts } from './apply-release-facts';

// The fixture of the previous release: packages/example-node is exactly what 0.4.0 generates for a default node.
const EXAMPLE = join(__dirname, '..', '..', '..', '..', 'packages', 'example-node');
const ROOT = 'packages/example-node';
const listFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? listFiles(join(dir, entry)) : [join(dir, entry)]));

// A fact that a hypothetical next release adds; the global table is left alone.
const NEXT_RELEASE = '9.9.0';
const MAX_PODS: ManagedFact = {
  id: 'kubelet.yaml:maxPods',
  file: 'kubelet.yaml',
  what: 'maxPods',
  locator: yamlTopLevelField('maxPods', { after: 'cgroupDriver', comment: 'At most this many pods.' }),
  value: () => '110',
  usersOwn: (current) => current !== '110',
  since: NEXT_RELEASE,
};
const FACTS = [...MANAGED_FACTS, MAX_PODS];

function workspaceWithExampleNode(edit?: (path: string, text: string) => string): Tree {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
  for (const file of listFiles(EXAMPLE)) {
    const path = relative(EXAMPLE, file);
    const text = readFileSync(file, 'utf8');
    tree.write(`${ROOT}/${path}`, edit ? edit(path, text) : text);
  }
  return tree;
}
const read = (tree: Tree, path: string) => tree.read(`${ROOT}/${path}`, 'utf-8')!;

describe('apply-release-facts: the facts a release added reach existing nodes', () => {
  it('adds the new fact to a node as the previous release generated it, and changes nothing else', async () => {
    const tree = workspaceWithExampleNode();
    const before = Object.fromEntries(listFiles(EXAMPLE).map((file) => [relative(EXAMPLE, file), readFileSync(file, 'utf8')]));
    const messages = await applyReleaseFacts(tree, NEXT_RELEASE, FACTS);
    expect(read(tree, 'kubelet.yaml')).toBe(before['kubelet.yaml'].replace(/^(cgroupDriver: .*\n)/m, '$1# At most this many pods.\nmaxPods: 110\n'));
    for (const path of Object.keys(before).filter((path) => path !== 'kubelet.yaml')) expect([path, read(tree, path)]).toEqual([path, before[path]]);
    expect(messages).toEqual([`nx-kubelet ${NEXT_RELEASE}: set what this release manages in example-node (kubelet.yaml: maxPods: added 110).`]);
    // Run again: nothing more to do.
    expect(await applyReleaseFacts(tree, NEXT_RELEASE, FACTS)).toEqual([]);
  });

  it("keeps a user's edits: their own value of the new setting, and their other changes", async () => {
    const tree = workspaceWithExampleNode((path, text) => (path === 'kubelet.yaml' ? `${text}# mine\nmaxPods: 50\n` : text));
    const edited = read(tree, 'kubelet.yaml');
    const messages = await applyReleaseFacts(tree, NEXT_RELEASE, FACTS);
    expect(read(tree, 'kubelet.yaml')).toBe(edited);
    expect(messages).toEqual(["example-node: kubelet.yaml: maxPods: kept your 50 (nx-kubelet's value: 110)"]);
  });

  it('names a node it cannot read and leaves it as it is', async () => {
    const tree = workspaceWithExampleNode((path, text) => (path === 'kubelet.yaml' ? 'cgroupDriver: [unclosed\n' : text));
    const messages = await applyReleaseFacts(tree, NEXT_RELEASE, FACTS);
    expect(read(tree, 'kubelet.yaml')).toBe('cgroupDriver: [unclosed\n');
    expect(messages).toEqual([
      expect.stringMatching(
        /^nx-kubelet: left example-node as it is, because: Node "example-node": packages\/example-node\/kubelet\.yaml:\d+: does not parse \(/,
      ),
    ]);
  });

  it('names a node whose declared versions have the wrong type, never a raw TypeError, and leaves it as it is', async () => {
    const tree = workspaceWithExampleNode((path, text) =>
      path === 'project.json'
        ? text.replace(/"kubeVersion": "[^"]*"/, '"kubeVersion": null').replace(/"kubeGoVersion": "[^"]*"/, '"kubeGoVersion": 1.24')
        : text,
    );
    const before = read(tree, 'kubelet.yaml');
    const messages = await applyReleaseFacts(tree, NEXT_RELEASE, FACTS);
    expect(read(tree, 'kubelet.yaml')).toBe(before);
    expect(messages).toEqual([
      'nx-kubelet: left example-node as it is, because: ' +
        'Node "example-node": packages/example-node/project.json metadata["nx-kubelet"].kubeVersion must be a string like "1.34", got null; ' +
        'Node "example-node": packages/example-node/project.json metadata["nx-kubelet"].kubeGoVersion must be a string like "1.24", got the number 1.24',
    ]);
  });

  it('does nothing for a release that added no facts', async () => {
    const tree = workspaceWithExampleNode();
    expect(await applyReleaseFacts(tree, '0.4.0', FACTS)).toEqual([]);
  });
});
