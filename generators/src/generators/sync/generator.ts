import { formatFiles, logger, Tree } from '@nx/devkit';
import { modelOfNode, syncNodeFiles } from 'kubelet-node';
import { kubeletNodes, nxFactContext, readManagedFiles, writeChangedFiles } from '../../lib/kubelet-nodes';

/** What a sync generator returns (the shape of nx's SyncGeneratorResult, which @nx/devkit exports only internally). */
export interface SyncResult {
  outOfSyncMessage?: string;
  outOfSyncDetails?: string[];
}

/**
 * `nx sync` / `nx sync:check` (registered on each node's build target): the versions declared in a node's
 * project.json are the truth; managed facts that disagree with them are reported and repaired. Only the files that
 * hold managed facts are read. A value that is the user's (interpolation such as `${BINARY_SOURCE:-source}`) is not
 * drift. A node that cannot be read is reported by name and reason and left alone: it does not fail the sync, and
 * so the builds, of the other nodes. A sync generator gets no options: it reads the nodes.
 */
export async function syncGenerator(tree: Tree): Promise<SyncResult> {
  const context = nxFactContext();
  const details: string[] = [];
  for (const node of kubeletNodes(tree)) {
    if (!node.declared) continue; // generated before versions were declared: `nx migrate` declares them
    const root = node.project.root;
    let problems: string[];
    try {
      const files = readManagedFiles(tree, root);
      const applied = syncNodeFiles(files, modelOfNode({ name: node.name, directory: root, files }, node.declared), context);
      problems = applied.problems;
      if (problems.length === 0) {
        writeChangedFiles(tree, root, files, applied.files);
        details.push(...applied.changes.map((change) => `${root}/${change}`));
      }
    } catch (error) {
      problems = [error instanceof Error ? error.message : String(error)];
    }
    if (problems.length > 0) {
      logger.warn(`nx-kubelet: sync left ${node.name} as it is, because:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    }
  }
  if (details.length === 0) return {};
  await formatFiles(tree);
  return {
    outOfSyncMessage: 'Some kubelet nodes have files that disagree with the versions declared in their project.json (metadata["nx-kubelet"]).',
    outOfSyncDetails: details,
  };
}

export default syncGenerator;
