import { formatFiles, getProjects, joinPathFragments, logger, Tree } from '@nx/devkit';
import { isAbsolute, relative } from 'node:path';
import { loadNodeTemplates } from '../../lib/load-templates';
import { InvalidNodeOptionsError, KubeletNodeOptions, NodeModel, resolveNode, WorkspaceFacts } from '../../lib/node-model';
import { renderNode } from '../../lib/render-node';
import type { KubeletNodeGeneratorSchema, VersionOption } from './schema';

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
  if (!schema.skipFormat) await formatFiles(tree);
  return () => printNextSteps(model);
}

export default kubeletNodeGenerator;

const VERSION_OPTIONS = ['kubeVersion', 'criDockerdVersion', 'kicbaseVersion', 'kubeGoVersion', 'criDockerdGoVersion'] as const;

/**
 * The nx CLI parses number-like arguments before the schema sees them: `--kubeVersion=1.35` arrives as 1.35 and
 * `--kubeVersion=1.30` as 1.3, which cannot be told apart from a real 1.3. Numbers become strings again, and when
 * such an option is then refused, the message says how to write it so that it stays a string.
 */
function resolveNodeFromCli(tree: Tree, schema: KubeletNodeGeneratorSchema): NodeModel {
  const numeric = VERSION_OPTIONS.filter((key) => typeof schema[key] === 'number');
  const versions = Object.fromEntries(numeric.map((key) => [key, String(schema[key] as VersionOption)]));
  const options = { ...schema, ...versions, directory: workspaceRelative(tree, schema.directory) } as KubeletNodeOptions;
  try {
    return resolveNode(options, workspaceFacts(tree));
  } catch (error) {
    if (!(error instanceof InvalidNodeOptionsError) || numeric.length === 0) throw error;
    const hints = numeric.map((key) => {
      const prefix = key.endsWith('GoVersion') ? 'go' : 'v';
      return `The nx CLI read --${key} as the number ${schema[key]}; if you meant a version ending in 0 (such as 1.30), write it with a prefix: --${key}=${prefix}1.30.`;
    });
    throw new InvalidNodeOptionsError([...error.problems, ...hints]);
  }
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
