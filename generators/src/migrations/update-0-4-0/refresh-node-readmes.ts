import { formatFiles, Tree } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { managedFact, modelOfNode, normalizeDocument, README, renderTemplate, templateData, UnreadableNodeError } from 'kubelet-node';
import { declaredVersions, kubeletNodes, nxFactContext, readManagedFiles, writeChangedFiles } from '../../lib/kubelet-nodes';

/**
 * 0.4.0: a node's README lists the day-2 targets (load, apply, export-logs) and says where the node runs. A README
 * exactly as 0.3.0 generated it for the node (whitespace and table padding aside) is regenerated; one that differs is
 * the user's and stays. Without this, upgrade and sync would keep every 0.3.0 README as if its user had edited it.
 */
export default async function refreshNodeReadmes(tree: Tree): Promise<string[]> {
  const context = nxFactContext();
  const legacy = readFileSync(join(__dirname, 'readme-0.3.0.md.ejs'), 'utf8');
  const refreshed: string[] = [];
  const kept: string[] = [];
  const unreadable: string[] = [];
  for (const node of kubeletNodes(tree)) {
    const root = node.project.root;
    let model;
    let files;
    try {
      const declared = declaredVersions(node);
      if (!declared) continue; // nodes from 0.1.0: the 0.2.0 migration declares them first
      files = readManagedFiles(tree, root);
      if (files[README] === undefined) continue;
      model = modelOfNode({ name: node.name, directory: root, files }, declared);
    } catch (error) {
      const problems = error instanceof UnreadableNodeError ? error.problems : [(error as Error).message];
      unreadable.push(`nx-kubelet: left ${node.name}'s README.md as it is, because: ${problems.join('; ')}`);
      continue;
    }
    const current = managedFact(`doc:${README}`).value(model, context)!;
    if (normalizeDocument(files[README]) === normalizeDocument(current)) continue;
    if (normalizeDocument(files[README]) !== normalizeDocument(renderTemplate(legacy, templateData(model, context, true), 'readme-0.3.0.md.ejs'))) {
      kept.push(node.name);
      continue;
    }
    writeChangedFiles(tree, root, files, { ...files, [README]: current });
    refreshed.push(node.name);
  }
  await formatFiles(tree);
  return [
    ...(refreshed.length
      ? [`nx-kubelet: regenerated the README.md that 0.3.0 wrote and nobody edited in ${refreshed.join(', ')} (day-2 targets, where the node runs).`]
      : []),
    ...(kept.length
      ? [
          `nx-kubelet: kept the edited README.md of ${kept.join(', ')}; a new node's README (nx g nx-kubelet:kubelet-node scratch --dry-run) shows what 0.4.0 adds.`,
        ]
      : []),
    ...unreadable,
  ];
}
