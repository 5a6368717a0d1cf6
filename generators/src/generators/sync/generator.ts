import { formatFiles, Tree } from '@nx/devkit';
import { modelOfNode, syncVersionArgs } from '../../lib/upgrade-node';
import { kubeletNodes, readNodeFiles, writeChangedFiles } from '../lib/kubelet-nodes';

/** What a sync generator returns (the shape of nx's SyncGeneratorResult, which @nx/devkit exports only internally). */
export interface SyncResult {
  outOfSyncMessage?: string;
  outOfSyncDetails?: string[];
}

/**
 * `nx sync` / `nx sync:check` (registered on each node's build target): the versions declared in a node's
 * project.json are the truth; the Dockerfile's ARG defaults and compose.yaml's build args that disagree are reported
 * and repaired. Nothing else in the files is looked at. A sync generator gets no options: it reads the nodes.
 */
export async function syncGenerator(tree: Tree): Promise<SyncResult> {
  const details: string[] = [];
  for (const node of kubeletNodes(tree)) {
    if (!node.declared) continue; // generated before versions were declared: `nx migrate` declares them
    const files = readNodeFiles(tree, node.project.root);
    const model = modelOfNode({ name: node.name, directory: node.project.root, files }, node.declared);
    const { files: next, changes } = syncVersionArgs(files, model);
    writeChangedFiles(tree, node.project.root, files, next);
    details.push(...changes.map((change) => `${node.project.root}/${change}`));
  }
  if (details.length === 0) return {};
  await formatFiles(tree);
  return {
    outOfSyncMessage: 'Some kubelet nodes have Dockerfile ARG defaults or compose build args that differ from the versions declared in their project.json (metadata["nx-kubelet"]).',
    outOfSyncDetails: details,
  };
}

export default syncGenerator;
