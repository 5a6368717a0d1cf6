import { addProjectConfiguration, formatFiles, joinPathFragments, logger, Tree } from '@nx/devkit';
import { isAbsolute, relative } from 'node:path';
import {
  loadNodeTemplates,
  declaredVersionsOf,
  KubeletNodeOptions,
  NodeModel,
  realDirectoryOutside,
  resolveNode,
  WorkspaceFacts,
  renderNode,
} from 'kubelet-node';
import { refuseUnknownOptions, schemaOptions } from 'kubelet-node';
import { withVersionStrings } from '../../lib/cli-versions';
import { exposureWarning, imageBuildTargetName, inferredNodeNames, nodeProjectConfiguration, NX_FRONT_END, workspaceProjects } from '../../lib/kubelet-nodes';
import { registerPlugin } from '../../lib/register-plugin';
import type { KubeletNodeGeneratorSchema } from './schema';

/**
 * `nx g nx-kubelet:kubelet-node <name>`: validates everything first (nothing is written on any error), then writes
 * the node's files, rendered by the core, and its project.json.
 */
export async function kubeletNodeGenerator(tree: Tree, schema: KubeletNodeGeneratorSchema) {
  refuseUnknownOptions(schema, schemaOptions(__dirname), 'nx-kubelet:kubelet-node');
  const model = resolveNodeFromCli(tree, schema, await workspaceFacts(tree));
  model.warnings.forEach((warning) => logger.warn(`nx-kubelet: ${warning}`));

  const files = renderNode(model, loadNodeTemplates(), NX_FRONT_END);
  // The core's exposure check, as up runs it: a warning here (up refuses such a node).
  const exposure = exposureWarning(tree, model.name, model.directory, files);
  if (exposure) logger.warn(exposure);
  for (const [path, content] of Object.entries(files)) {
    tree.write(joinPathFragments(model.directory, path), content);
  }
  addProjectConfiguration(
    tree,
    model.name,
    nodeProjectConfiguration(model, declaredVersionsOf(model), schema.explicitTargets ?? false, imageBuildTargetName(tree)),
  );
  rememberProject(tree, model.name);
  // Without explicit targets the node's targets come from the plugin's inference: make sure nx.json loads it.
  if (!schema.explicitTargets) registerPlugin(tree);
  if (!schema.skipFormat) await formatFiles(tree);
  return () => printNextSteps(model);
}

export default kubeletNodeGenerator;

/** Validates the CLI options (numbers the nx CLI made of versions become strings again) into a node model. */
function resolveNodeFromCli(tree: Tree, schema: KubeletNodeGeneratorSchema, workspace: WorkspaceFacts): NodeModel {
  const { explicitTargets: _explicitTargets, skipFormat: _skipFormat, ...options } = schema;
  return withVersionStrings(options, (strings) =>
    resolveNode({ ...(strings as KubeletNodeOptions), directory: workspaceRelative(tree, schema.directory) }, workspace),
  );
}

/**
 * The names taken in the workspace: its projects and the nodes the plugin infers. Read once per Tree (a run that
 * generates many nodes does not list the workspace again for each) and kept current with what this generator adds;
 * a Tree in which someone else wrote files since is read again.
 */
const takenNames = new WeakMap<Tree, { names: Set<string>; changes: number }>();

/**
 * How many paths the Tree has recorded changes for. Nx's FsTree keeps them in `recordedChanges`; counting its keys
 * costs nothing, while listChanges() stats every changed path on disk (that made 100 nodes in one tree quadratic).
 */
function changedPaths(tree: Tree): number {
  const recorded = (tree as unknown as { recordedChanges?: Record<string, unknown> }).recordedChanges;
  return recorded ? Object.keys(recorded).length : tree.listChanges().length;
}

export async function workspaceFacts(tree: Tree): Promise<WorkspaceFacts> {
  let taken = takenNames.get(tree);
  if (!taken || taken.changes !== changedPaths(tree)) {
    taken = { names: new Set([...workspaceProjects(tree).keys(), ...(await inferredNodeNames(tree))]), changes: changedPaths(tree) };
    takenNames.set(tree, taken);
  }
  const names = taken.names;
  return {
    hasProject: (name) => names.has(name),
    directoryHasFiles: (directory) => (tree.exists(directory) ? (tree.isFile(directory) ? true : filesIn(tree, directory)) : false),
    // The Tree is virtual, the disk is not: a folder on the way that is a symbolic link leads where the Tree's flush writes.
    resolvesOutside: (directory) => realDirectoryOutside(tree.root, directory),
  };
}

/** The files under `directory` in the Tree, relative to it (enough of them to name a few and count the rest). */
export function filesIn(tree: Tree, directory: string): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    for (const child of tree.children(joinPathFragments(directory, path))) {
      const relativePath = path ? `${path}/${child}` : child;
      if (tree.isFile(joinPathFragments(directory, relativePath))) files.push(relativePath);
      else walk(relativePath);
    }
  };
  walk('');
  return files;
}

function rememberProject(tree: Tree, name: string): void {
  const taken = takenNames.get(tree);
  if (!taken) return;
  taken.names.add(name);
  taken.changes = changedPaths(tree);
}

/** An absolute --directory inside the workspace becomes workspace-relative; anything else is left for validation. */
function workspaceRelative(tree: Tree, directory: string | undefined): string | undefined {
  if (typeof directory !== 'string' || !isAbsolute(directory)) return directory; // a wrong type is the core's to name
  const inside = relative(tree.root, directory);
  if (inside === '') return '.';
  return inside.startsWith('..') || isAbsolute(inside) ? directory : inside;
}

function printNextSteps(model: NodeModel): void {
  logger.info(
    [
      `nx-kubelet: created node "${model.name}" in ${model.directory} (kubelet ${model.kubernetes.version}, cri-dockerd ${model.criDockerd.version}, kicbase ${model.kicbase.version}).`,
      `Next: nx run ${model.name}:up   (builds the image first, then starts the node and waits for its kubelet)`,
    ].join('\n'),
  );
}
