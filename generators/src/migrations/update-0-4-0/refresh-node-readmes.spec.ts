import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelOfNode, readComposeBuildArgs, renderTemplate, templateData } from 'kubelet-node';
import { declaredVersions, kubeletNodes, nxFactContext, readManagedFiles } from '../../lib/kubelet-nodes';
import { kubeletNodeGenerator } from '../../generators/kubelet-node/generator';
import refreshNodeReadmes from './refresh-node-readmes';

const legacy = readFileSync(join(__dirname, 'readme-0.3.0.md.ejs'), 'utf8');

/** A tree with two nodes whose READMEs are what 0.3.0 wrote: one as it was, one edited. */
async function treeOf030() {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
  for (const name of ['plain', 'edited']) await kubeletNodeGenerator(tree, { name, kubeVersion: '1.35', skipFormat: true });
  const context = nxFactContext();
  for (const node of kubeletNodes(tree)) {
    const files = readManagedFiles(tree, node.project.root);
    const model = modelOfNode({ name: node.name, directory: node.project.root, files }, declaredVersions(node)!);
    const readme = renderTemplate(legacy, templateData(model, context, true), 'readme-0.3.0.md.ejs');
    tree.write(
      `${node.project.root}/README.md`,
      node.name === 'edited' ? readme.replace('## Build and run', '## Build and run\n\nOur lab: ask Sam first.') : readme,
    );
  }
  return tree;
}

describe('0.4.0: READMEs that 0.3.0 generated', () => {
  it('regenerates the one nobody edited and keeps the edited one, saying so', async () => {
    const tree = await treeOf030();
    const edited = tree.read('packages/edited/README.md', 'utf-8');
    expect(tree.read('packages/plain/README.md', 'utf-8')).not.toContain(':export-logs');
    const messages = await refreshNodeReadmes(tree);
    expect(tree.read('packages/plain/README.md', 'utf-8')).toContain('nx run plain:export-logs');
    expect(tree.read('packages/edited/README.md', 'utf-8')).toBe(edited);
    expect(messages.join('\n')).toMatch(/regenerated the README.md .* in plain/);
    expect(messages.join('\n')).toMatch(/kept the edited README.md of edited/);
  });

  it('changes nothing else, and nothing on a second run', async () => {
    const tree = await treeOf030();
    const before = tree.read('packages/plain/compose.yaml', 'utf-8');
    await refreshNodeReadmes(tree);
    expect(tree.read('packages/plain/compose.yaml', 'utf-8')).toBe(before);
    expect(readComposeBuildArgs(before!, 'plain').KUBE_VERSION).toMatch(/^v1\.35\./);
    const again = await refreshNodeReadmes(tree);
    expect(again.join('\n')).not.toContain('regenerated');
  });
});
