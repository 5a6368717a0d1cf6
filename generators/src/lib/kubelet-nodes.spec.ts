/**
 * The Nx side's exposure warning (nx g, upgrade, sync) reads the node's kubelet drop-ins from the Tree: a matrix
 * member's kubelet.conf.d/*.conf counts as the kubelet will run it.
 */
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { loadNodeTemplates, renderNode, resolveNode } from 'kubelet-node';
import { exposureWarning, NX_FRONT_END, readKubeletDropins } from './kubelet-nodes';

const workspace = { hasProject: () => false, directoryHasFiles: () => false };
const root = 'edge/m';
const files = renderNode(
  resolveNode({ name: 'm', directory: root, matrix: { name: 'edge', directory: 'edge' } }, workspace),
  loadNodeTemplates(),
  NX_FRONT_END,
);

describe('exposureWarning of a matrix member', () => {
  it("warns, naming the drop-in's file and line, when a drop-in in the Tree opens the kubelet; other files are ignored", () => {
    const tree = createTreeWithEmptyWorkspace();
    for (const [path, content] of Object.entries(files)) tree.write(`${root}/${path}`, content);
    expect(exposureWarning(tree, 'm', root, files)).toBeUndefined();
    tree.write(`${root}/kubelet.conf.d/50-matrix.conf`, 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\naddress: 0.0.0.0\n');
    tree.write(`${root}/kubelet.conf.d/notes.md`, 'address: 127.0.0.1\n');
    expect(Object.keys(readKubeletDropins(tree, root))).toEqual(['kubelet.conf.d/50-matrix.conf']);
    expect(exposureWarning(tree, 'm', root, files)).toContain(`${root}/kubelet.conf.d/50-matrix.conf:3: the kubelet's API (port 10250) listens on 0.0.0.0`);
    // Drop-ins passed in (as a generation writes them) win over the Tree's.
    expect(exposureWarning(tree, 'm', root, { ...files, 'kubelet.conf.d/50-matrix.conf': 'address: 127.0.0.1\n' })).toBeUndefined();
  });

  it('cannot tell, and says so, when a drop-in in the Tree does not parse', () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write(`${root}/kubelet.conf.d/sub/10.conf`, 'address: [0.0.0.0\n');
    expect(exposureWarning(tree, 'm', root, files)).toMatch(/cannot tell .* edge\/m\/kubelet\.conf\.d\/sub\/10\.conf:\d+: does not parse/);
  });
});
