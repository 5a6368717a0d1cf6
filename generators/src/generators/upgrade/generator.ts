import { formatFiles, logger, Tree } from '@nx/devkit';
import { declaredVersionsOf, InvalidNodeOptionsError, DOCKERFILE, modelOfNode, planUpgrade, upgradeNodeFiles, VersionRequest, versionsFromDockerfile } from 'kubelet-node';
import { refuseUnknownOptions, schemaOptions } from 'kubelet-node';
import { declareVersionsInProjectJson, kubeletNodes, nxFactContext, readManagedFiles, WorkspaceNode, writeChangedFiles } from '../lib/kubelet-nodes';
import { withVersionStrings } from '../lib/cli-versions';
import type { UpgradeGeneratorSchema } from './schema';

export interface NodeUpgradeResult {
  node: string;
  changes: string[];
  notes: string[];
  nextSteps: string[];
}

/** Thrown when some node cannot be upgraded as it is; nothing has been written when it is. */
export class NodeNotUpgradableError extends Error {
  constructor(readonly problems: string[]) {
    super(`nx-kubelet: nothing was changed, because:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'NodeNotUpgradableError';
  }
}

/**
 * `nx g nx-kubelet:upgrade <node> --kubeVersion=1.35` (or --all): validates the new versions like kubelet-node,
 * sets the managed facts that the change moves, records the versions in project.json, and says what to do next.
 * Every node is checked before any is written: when one cannot be upgraded as it is, nothing changes.
 */
export async function upgradeGenerator(tree: Tree, schema: UpgradeGeneratorSchema) {
  refuseUnknownOptions(schema, schemaOptions(__dirname), 'nx-kubelet:upgrade');
  const nodes = selectNodes(tree, schema);
  const results = withVersionStrings(schema, (options) => upgradeNodes(tree, nodes, toRequest(options)));
  for (const result of results) printResult(result);
  if (!schema.skipFormat) await formatFiles(tree);
}

export default upgradeGenerator;

/** Upgrades the given nodes (all checked first); used by the generator and by version migrations. */
export function upgradeNodes(tree: Tree, nodes: WorkspaceNode[], request: VersionRequest): NodeUpgradeResult[] {
  const context = nxFactContext();
  const invalid: string[] = [];
  const problems: string[] = [];
  const planned = nodes.flatMap((node) => {
    const root = node.project.root;
    const files = readManagedFiles(tree, root);
    const current = node.declared ?? versionsFromDockerfile(files[DOCKERFILE] ?? '');
    if (!current) {
      problems.push(`${node.name}: no declared versions in project.json and none readable from ${DOCKERFILE}; run nx migrate, or regenerate the node.`);
      return [];
    }
    try {
      const existing = { name: node.name, directory: root, files };
      const plan = planUpgrade(current, request);
      const from = modelOfNode(existing, current);
      const to = modelOfNode(existing, plan.versions, false);
      const applied = upgradeNodeFiles(files, from, to, context);
      problems.push(...applied.problems.map((problem) => `${node.name}: ${problem}`));
      return [{ node, files, from, to, applied, notes: [...plan.notes, ...to.warnings, ...applied.kept] }];
    } catch (error) {
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
        changes.push(`project.json: declared versions kubelet ${declared.kubeVersion}, cri-dockerd ${declared.criDockerdVersion}, kicbase ${declared.kicbaseVersion}`);
      }
    } else {
      notes.push(`${node.name} has no project.json: its versions stay readable from ${DOCKERFILE}'s ARG defaults.`);
    }
    const volumeStale = from.kicbase.version !== to.kicbase.version || from.kubernetes.minor !== to.kubernetes.minor;
    return { node: node.name, changes, notes, nextSteps: nextSteps(node.name, volumeStale, changes.length > 0) };
  });
}

function selectNodes(tree: Tree, schema: UpgradeGeneratorSchema): WorkspaceNode[] {
  const nodes = kubeletNodes(tree);
  if (schema.all) {
    if (nodes.length === 0) throw new Error('There are no kubelet nodes in this workspace (projects with Dockerfile.kicbase and compose.yaml).');
    return nodes;
  }
  if (!schema.project) throw new Error('Name the node to upgrade (nx g nx-kubelet:upgrade my-node --kubeVersion=1.35), or pass --all.');
  const node = nodes.find((candidate) => candidate.name === schema.project);
  if (!node) {
    throw new Error(`"${schema.project}" is not a kubelet node of this workspace (nodes: ${nodes.map((n) => n.name).join(', ') || 'none'}).`);
  }
  return [node];
}

function toRequest(schema: UpgradeGeneratorSchema): VersionRequest {
  const text = (value: unknown) => (value === undefined ? undefined : String(value));
  return {
    kubeVersion: text(schema.kubeVersion),
    criDockerdVersion: text(schema.criDockerdVersion),
    kicbaseVersion: text(schema.kicbaseVersion),
    kubeGoVersion: text(schema.kubeGoVersion),
    criDockerdGoVersion: text(schema.criDockerdGoVersion),
    kicbaseImage: schema.kicbaseImage,
    allowUnknownVersions: schema.allowUnknownVersions,
    force: schema.force,
  };
}

function nextSteps(name: string, varChanges: boolean, changed: boolean): string[] {
  if (!changed) return [];
  return varChanges
    ? [`nx run ${name}:build`, `nx run ${name}:down --volumes   (the /var volume holds state of the old versions and would shadow the new image's /var)`, `nx run ${name}:up`]
    : [`nx run ${name}:build`, `nx run ${name}:up   (recreates the container with the new image)`];
}

function printResult(result: NodeUpgradeResult): void {
  if (result.changes.length === 0) {
    logger.info(`nx-kubelet: ${result.node} is already on these versions; nothing changed.`);
    return;
  }
  logger.info([`nx-kubelet: upgraded ${result.node}:`, ...result.changes.map((change) => `  ${change}`)].join('\n'));
  for (const note of result.notes) logger.warn(`  note: ${note}`);
  logger.info([`Next:`, ...result.nextSteps.map((step) => `  ${step}`)].join('\n'));
}
