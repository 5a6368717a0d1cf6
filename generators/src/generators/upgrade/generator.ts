import { formatFiles, logger, Tree } from '@nx/devkit';
import { VersionRequest } from 'kubelet-node';
import { refuseUnknownOptions, schemaOptions } from 'kubelet-node';
import { kubeletNodes, WorkspaceNode } from '../../lib/kubelet-nodes';
import { withVersionStrings } from '../../lib/cli-versions';
import { NodeUpgradeResult, upgradeNodes } from '../../lib/upgrade-nodes';
import type { UpgradeGeneratorSchema } from './schema';

export { NodeNotUpgradableError, upgradeNodes } from '../../lib/upgrade-nodes';
export type { NodeUpgradeResult } from '../../lib/upgrade-nodes';

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

function printResult(result: NodeUpgradeResult): void {
  if (result.exposure) logger.warn(result.exposure);
  if (result.changes.length === 0) {
    logger.info(`nx-kubelet: ${result.node} is already on these versions; nothing changed.`);
    return;
  }
  logger.info([`nx-kubelet: upgraded ${result.node}:`, ...result.changes.map((change) => `  ${change}`)].join('\n'));
  for (const note of result.notes) logger.warn(`  note: ${note}`);
  logger.info([`Next:`, ...result.nextSteps.map((step) => `  ${step}`)].join('\n'));
}
