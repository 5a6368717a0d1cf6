import { formatFiles, logger, Tree } from '@nx/devkit';
import { joinPathFragments } from '@nx/devkit';
import {
  checkMatrixSettings,
  MATRIX_RECORD,
  MATRIX_SETTINGS,
  MatrixRecordError,
  modelOfNode,
  NodeFiles,
  readMatrixRecord,
  syncMatrixMember,
  matrixFiles,
  syncNodeFiles,
  UnreadableNodeError,
} from 'kubelet-node';
import {
  declaredVersions,
  exposureWarning,
  kubeletNodes,
  NX_MATRIX_FRONT_END,
  nxFactContext,
  readManagedFiles,
  workspaceProjects,
  writeChangedFiles,
} from '../../lib/kubelet-nodes';
import { sharedFiles, treeReader } from '../matrix/generator';

/** What a sync generator returns (the shape of nx's SyncGeneratorResult, which @nx/devkit exports only internally). */
export interface SyncResult {
  outOfSyncMessage?: string;
  outOfSyncDetails?: string[];
}

/** Thrown when some node cannot be read or kept in line: nx sync and nx sync:check then fail with this message. */
export class NodesNotSyncableError extends Error {
  constructor(readonly problems: string[]) {
    super(
      [
        'nx-kubelet: these kubelet nodes cannot be read, so their files cannot be checked against the versions declared in project.json; nothing was changed in any node:',
        ...problems.map((problem) => `  - ${problem}`),
        'Fix what is named (or regenerate the node), then run nx sync again.',
      ].join('\n'),
    );
    this.name = 'NodesNotSyncableError';
  }
}

/**
 * `nx sync` / `nx sync:check` (registered on each node's build target): the versions declared in a node's
 * project.json are the truth; managed facts that disagree with them are reported and repaired. Only the files that
 * hold managed facts are read. A value that is the user's (interpolation such as `${BINARY_SOURCE:-source}`) is not
 * drift. A node that cannot be read (a declaration of the wrong type, a missing file or one that does not parse, a
 * managed fact that cannot be found) is never "up to date": the generator fails, naming every such node, its file and
 * the reason, and changes nothing (nx writes a sync generator's changes all or nothing). A node whose anonymous
 * kubelet would be reachable beyond the container's loopback is warned about, file and line. A sync generator gets no
 * options: it reads the nodes.
 */
export async function syncGenerator(tree: Tree): Promise<SyncResult> {
  const context = nxFactContext();
  const details: string[] = [];
  const problems: string[] = [];
  const writes: (() => void)[] = [];
  const warnings: string[] = [];
  for (const node of kubeletNodes(tree)) {
    const root = node.project.root;
    try {
      const declared = declaredVersions(node);
      if (!declared) continue; // generated before versions were declared: `nx migrate` declares them
      const files = readManagedFiles(tree, root);
      const applied = syncNodeFiles(files, modelOfNode({ name: node.name, directory: root, files }, declared), context);
      if (applied.problems.length > 0) {
        problems.push(...applied.problems.map((problem) => `Node "${node.name}": ${root}/${problem}`));
        continue;
      }
      writes.push(() => writeChangedFiles(tree, root, files, applied.files));
      details.push(...applied.changes.map((change) => `${root}/${change}`));
      const warning = exposureWarning(tree, node.name, root, applied.files);
      if (warning) warnings.push(warning);
    } catch (error) {
      if (error instanceof UnreadableNodeError) problems.push(...error.problems);
      else if (error instanceof Error && Array.isArray((error as { problems?: unknown }).problems)) {
        problems.push(...(error as unknown as { problems: string[] }).problems.map((problem) => `Node "${node.name}": ${problem}`));
      } else throw error;
    }
  }
  syncMatrices(tree, details, problems, writes);
  warnings.forEach((warning) => logger.warn(warning));
  if (problems.length > 0) throw new NodesNotSyncableError(problems);
  writes.forEach((write) => write());
  if (details.length === 0) return {};
  await formatFiles(tree);
  return {
    outOfSyncMessage:
      'Some kubelet nodes have files that disagree with the versions declared in their project.json (metadata["nx-kubelet"]), or with the manifests and settings of their matrix.',
    outOfSyncDetails: details,
  };
}

export default syncGenerator;

/**
 * Each matrix's shared manifests and settings, copied into its nodes again where they differ (the core's
 * syncMatrixMember): a matrix whose record or settings cannot be read, a node of it that is missing, and a node's own
 * manifest in the way of a shared one are problems, and then nothing is changed.
 */
function syncMatrices(tree: Tree, details: string[], problems: string[], writes: (() => void)[]): void {
  for (const [, project] of workspaceProjects(tree)) {
    const folder = project.root;
    const recordPath = joinPathFragments(folder, MATRIX_RECORD);
    if (!tree.exists(recordPath)) continue;
    const shared = sharedFiles(tree, folder);
    let record;
    try {
      record = readMatrixRecord(shared[MATRIX_RECORD] ?? '', recordPath);
      if (shared[MATRIX_SETTINGS] !== undefined) checkMatrixSettings(shared[MATRIX_SETTINGS], joinPathFragments(folder, MATRIX_SETTINGS));
    } catch (error) {
      if (error instanceof MatrixRecordError) {
        problems.push(`Matrix in ${folder}: ${error.message}`);
        continue;
      }
      throw error;
    }
    for (const member of record.members) {
      const root = joinPathFragments(folder, member.directory);
      if (!tree.exists(root)) {
        problems.push(
          `Matrix "${record.name}": its node "${member.name}" (${root}) is missing: run nx g nx-kubelet:matrix ${record.name} with the versions you want.`,
        );
        continue;
      }
      const files = memberFiles(tree, root);
      const synced = syncMatrixMember(record.name, shared, files, NX_MATRIX_FRONT_END);
      if (synced.problems.length > 0) {
        problems.push(...synced.problems.map((problem) => `Node "${member.name}" of matrix "${record.name}": ${root}/${problem}`));
        continue;
      }
      writes.push(() => writeChangedFiles(tree, root, files, synced.files));
      details.push(...synced.changes.map((change) => `${root}/${change}`));
    }
  }
}

/** What a matrix's sync reads of a node: its manifests and its copy of the matrix's settings. */
function memberFiles(tree: Tree, root: string): NodeFiles {
  return matrixFiles(treeReader(tree), root, 'member');
}
