import { formatFiles, getProjects, joinPathFragments, logger, Tree } from '@nx/devkit';
import { isAbsolute, relative } from 'node:path';
import { loadNodeTemplates } from '../../lib/load-templates';
import { KubeletNodeOptions, NodeModel, resolveNode, WorkspaceFacts } from '../../lib/node-model';
import { withVersionStrings } from '../lib/cli-versions';
import { registerPlugin } from '../init/generator';
import { renderNode } from '../../lib/render-node';
import type { KubeletNodeGeneratorSchema } from './schema';

/**
 * `nx g nx-kubelet:kubelet-node <name>`: validates everything first (nothing is written on any error), then writes
 * the node's files, rendered by the pure core, into the tree.
 */
export async function kubeletNodeGenerator(tree: Tree, schema: KubeletNodeGeneratorSchema) {
  const model = resolveNodeFromCli(tree, schema);
  model.warnings.forEach((warning) => logger.warn(`nx-kubelet: ${warning}`));

  const files = renderNode(model, loadNodeTemplates());
  for (const [path, content] of Object.entries(files)) {
    tree.write(joinPathFragments(model.directory, path), content);
  }
  // Without explicit targets the node's targets come from the plugin's inference: make sure nx.json loads it.
  if (!model.explicitTargets) registerPlugin(tree);
  if (!schema.skipFormat) await formatFiles(tree);
  return () => printNextSteps(model);
}

export default kubeletNodeGenerator;

/** Validates the CLI options (numbers the nx CLI made of versions become strings again) into a node model. */
function resolveNodeFromCli(tree: Tree, schema: KubeletNodeGeneratorSchema): NodeModel {
  return withVersionStrings(schema, (options) =>
    resolveNode({ ...(options as KubeletNodeOptions), directory: workspaceRelative(tree, schema.directory) }, workspaceFacts(tree)),
  );
}

function workspaceFacts(tree: Tree): WorkspaceFacts {
  const projectNames = [...getProjects(tree).keys()];
  return {
    projectNames,
    directoryHasFiles: (directory) => tree.exists(directory) && (tree.isFile(directory) || tree.children(directory).length > 0),
  };
}

/** An absolute --directory inside the workspace becomes workspace-relative; anything else is left for validation. */
function workspaceRelative(tree: Tree, directory: string | undefined): string | undefined {
  if (directory === undefined || !isAbsolute(directory)) return directory;
  const inside = relative(tree.root, directory);
  if (inside === '') return '.';
  return inside.startsWith('..') || isAbsolute(inside) ? directory : inside;
}

function printNextSteps(model: NodeModel): void {
  logger.info(
    [
      `nx-kubelet: created node "${model.name}" in ${model.directory} (kubelet ${model.kubernetes.version}, cri-dockerd ${model.criDockerd.version}, kicbase ${model.kicbase.version}).`,
      `Next: nx run ${model.name}:build && nx run ${model.name}:up`,
    ].join('\n'),
  );
}
