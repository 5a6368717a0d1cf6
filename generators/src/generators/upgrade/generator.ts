import { formatFiles, logger, Tree } from '@nx/devkit';
import { loadNodeTemplates } from '../../lib/load-templates';
import { declaredVersionsOf, InvalidNodeOptionsError } from '../../lib/node-model';
import { declareVersionsInProjectJson, modelOfNode, planUpgrade, upgradeNodeFiles, VersionRequest, versionsFromDockerfile } from '../../lib/upgrade-node';
import { kubeletNodes, readNodeFiles, WorkspaceNode, writeChangedFiles } from '../lib/kubelet-nodes';
import { withVersionStrings } from '../lib/cli-versions';
import type { UpgradeGeneratorSchema } from './schema';

export interface NodeUpgradeResult {
  node: string;
  changes: string[];
  notes: string[];
  nextSteps: string[];
}

/**
 * `nx g nx-kubelet:upgrade <node> --kubeVersion=1.35` (or --all): validates the new versions like kubelet-node,
 * edits only what the change requires, records the versions in project.json, and says what to do next.
 * Every node is checked before any is written.
 */
export async function upgradeGenerator(tree: Tree, schema: UpgradeGeneratorSchema) {
  const nodes = selectNodes(tree, schema);
  const results = withVersionStrings(schema, (options) => upgradeNodes(tree, nodes, toRequest(options)));
  for (const result of results) printResult(result);
  if (!schema.skipFormat) await formatFiles(tree);
}

export default upgradeGenerator;

/** Upgrades the given nodes (all validated first); used by the generator and by version migrations. */
export function upgradeNodes(tree: Tree, nodes: WorkspaceNode[], request: VersionRequest): NodeUpgradeResult[] {
  const templates = loadNodeTemplates();
  const planned = nodes.map((node) => {
    const files = readNodeFiles(tree, node.project.root);
    const current = node.declared ?? versionsFromDockerfile(files['Dockerfile.kicbase'] ?? '');
    if (!current) throw new Error(`${node.name}: no declared versions in project.json and none readable from Dockerfile.kicbase; run nx migrate, or regenerate the node.`);
    try {
      const existing = { name: node.name, directory: node.project.root, files };
      const plan = planUpgrade(current, request);
      const from = modelOfNode(existing, { ...current, allowUnknownVersions: true });
      const to = modelOfNode(existing, plan.versions);
      return { node, files, from, to, notes: [...plan.notes, ...to.warnings] };
    } catch (error) {
      if (error instanceof InvalidNodeOptionsError) throw new InvalidNodeOptionsError(error.problems.map((problem) => `${node.name}: ${problem}`));
      throw error;
    }
  });
  return planned.map(({ node, files, from, to, notes }) => {
    const { files: next, changes } = upgradeNodeFiles(files, from, to, templates);
    const declared = declaredVersionsOf(to);
    if (next['project.json'] !== undefined) {
      next['project.json'] = declareVersionsInProjectJson(next['project.json'], declared);
      if (next['project.json'] !== files['project.json']) {
        changes.push(`project.json: declared versions kubelet ${declared.kubeVersion}, cri-dockerd ${declared.criDockerdVersion}, kicbase ${declared.kicbaseVersion}`);
      }
    }
    writeChangedFiles(tree, node.project.root, files, next);
    return { node: node.name, changes, notes, nextSteps: nextSteps(node.name, from.kicbase.version !== to.kicbase.version || from.kubernetes.minor !== to.kubernetes.minor, changes.length > 0) };
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
