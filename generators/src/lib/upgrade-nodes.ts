/**
 * The upgrade logic over an Nx Tree, shared by the upgrade generator and the version migrations: plans every node's
 * move first, writes only when all of them can be moved, and records the new versions in project.json.
 */
import { Tree } from '@nx/devkit';
import {
  declaredVersionsOf,
  InvalidNodeOptionsError,
  DOCKERFILE,
  modelOfNode,
  planUpgrade,
  UnreadableNodeError,
  upgradeNodeFiles,
  VersionRequest,
  versionsFromDockerfile,
} from 'kubelet-node';
import {
  declaredVersions,
  declareVersionsInProjectJson,
  exposureWarning,
  nxFactContext,
  readManagedFiles,
  WorkspaceNode,
  writeChangedFiles,
} from './kubelet-nodes';

export interface NodeUpgradeResult {
  node: string;
  changes: string[];
  notes: string[];
  nextSteps: string[];
  /** The exposure check's warning on the upgraded files, if the node's anonymous kubelet is reachable beyond loopback. */
  exposure?: string;
}

/** Thrown when some node cannot be upgraded as it is; nothing has been written when it is. */
export class NodeNotUpgradableError extends Error {
  constructor(readonly problems: string[]) {
    super(`nx-kubelet: nothing was changed, because:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'NodeNotUpgradableError';
  }
}

/**
 * Upgrades the given nodes (all checked first); used by the generator and by version migrations. A node that cannot
 * be read (a declaration of the wrong type, a file missing or not parsing, a wrongly typed engine record) is a
 * problem like any other: named with its file and reason, and nothing is written in any node.
 */
export function upgradeNodes(tree: Tree, nodes: WorkspaceNode[], request: VersionRequest): NodeUpgradeResult[] {
  const context = nxFactContext();
  const invalid: string[] = [];
  const problems: string[] = [];
  const planned = nodes.flatMap((node) => {
    const root = node.project.root;
    const files = readManagedFiles(tree, root);
    try {
      const current = declaredVersions(node) ?? versionsFromDockerfile(files[DOCKERFILE] ?? '');
      if (!current) {
        problems.push(`${node.name}: no declared versions in project.json and none readable from ${DOCKERFILE}; run nx migrate, or regenerate the node.`);
        return [];
      }
      const existing = { name: node.name, directory: root, files };
      const plan = planUpgrade(current, request);
      const from = modelOfNode(existing, current);
      const to = modelOfNode(existing, plan.versions, false);
      const applied = upgradeNodeFiles(files, from, to, context);
      problems.push(...applied.problems.map((problem) => `${node.name}: ${problem}`));
      return [{ node, files, from, to, applied, notes: [...plan.notes, ...to.warnings, ...applied.kept] }];
    } catch (error) {
      if (error instanceof UnreadableNodeError) {
        problems.push(...error.problems);
        return [];
      }
      if (!(error instanceof InvalidNodeOptionsError)) throw error;
      invalid.push(...error.problems.map((problem) => `${node.name}: ${problem}`));
      return [];
    }
  });
  if (invalid.length > 0) throw new InvalidNodeOptionsError(invalid);
  if (problems.length > 0) throw new NodeNotUpgradableError(problems);

  return planned.map(({ node, files, from, to, applied, notes }) => {
    const changes = [...applied.changes];
    writeChangedFiles(tree, node.project.root, files, applied.files);
    const projectJsonPath = `${node.project.root}/project.json`;
    const projectJson = tree.read(projectJsonPath, 'utf-8');
    const declared = declaredVersionsOf(to);
    if (projectJson !== null) {
      const next = declareVersionsInProjectJson(projectJson, declared);
      if (next !== projectJson) {
        tree.write(projectJsonPath, next);
        changes.push(
          `project.json: declared versions kubelet ${declared.kubeVersion}, cri-dockerd ${declared.criDockerdVersion}, kicbase ${declared.kicbaseVersion}`,
        );
      }
    } else {
      notes.push(`${node.name} has no project.json: its versions stay readable from ${DOCKERFILE}'s ARG defaults.`);
    }
    // Only a new base image makes the /var volume stale: Docker fills a named volume from the image's /var once, when it
    // is empty, so the old base image's /var would shadow the new one's. Nothing of a Kubernetes version is in /var but
    // the kubelet's state, which a kubelet of another minor takes over (upgrade-real.test.ts: up and down, for real).
    const volumeStale = from.kicbase.version !== to.kicbase.version || from.kicbase.image !== to.kicbase.image;
    const exposure = exposureWarning(tree, node.name, node.project.root, applied.files);
    return { node: node.name, changes, notes, nextSteps: nextSteps(node.name, volumeStale, changes.length > 0), ...(exposure ? { exposure } : {}) };
  });
}

function nextSteps(name: string, newBaseImage: boolean, changed: boolean): string[] {
  if (!changed) return [];
  return newBaseImage
    ? [
        `nx run ${name}:build`,
        `nx run ${name}:down --volumes   (the /var volume was filled from the old base image's /var and would shadow the new one's)`,
        `nx run ${name}:up`,
      ]
    : [
        `nx run ${name}:build`,
        `nx run ${name}:up   (recreates the container with the new image on the same /var volume: the kubelet's state and the node's images stay)`,
      ];
}
