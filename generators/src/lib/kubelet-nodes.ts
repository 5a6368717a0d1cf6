/**
 * The Nx side of a kubelet node: where its versions are declared (project.json), the commands generated files name
 * (`nx run …`), and the nodes of a workspace seen through the Nx Tree. Everything else comes from the core.
 */
import { getProjects, globAsync, parseJson, ProjectConfiguration, readNxJson, TargetConfiguration, Tree, visitNotIgnoredFiles } from '@nx/devkit';
import { applyEdits, modify } from 'jsonc-parser';
import { PLUGIN_NAME } from './register-plugin';
import { IMAGE_BUILD_TARGET, operationTarget, SYNC_GENERATOR } from './node-targets';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  loadNodeTemplates,
  FactContext,
  FrontEnd,
  OPERATION_NAMES,
  DeclaredVersions,
  NodeModel,
  COMPOSE_FILES,
  DOCKERFILE,
  NodeFiles,
  managedPaths,
  readDeclaredVersions,
  nodeExposure,
  formatFindings,
  parseDotEnv,
  UnreadableNodeFileError,
  MatrixFrontEnd,
  KUBELET_DROPIN_DIR,
  isKubeletDropin,
} from 'kubelet-node';

/** Where a node declares its versions: `metadata["nx-kubelet"]` of its project.json. */
export const DECLARATION_KEY = 'nx-kubelet';

/**
 * The image-building target name in this workspace: the plugin's `imageBuildTargetName` option in nx.json when the
 * plugin is registered with one, else its default. Explicit targets use it, so that they agree with inferred ones.
 */
export function imageBuildTargetName(tree: Tree): string {
  for (const entry of readNxJson(tree)?.plugins ?? []) {
    if (typeof entry === 'string' || entry.plugin !== PLUGIN_NAME) continue;
    const name = (entry.options as { imageBuildTargetName?: unknown } | undefined)?.imageBuildTargetName;
    if (typeof name === 'string' && name) return name;
  }
  return IMAGE_BUILD_TARGET;
}

/** What generated files say about running and upgrading a node, in Nx's words. */
export const NX_FRONT_END: FrontEnd = {
  command: (operation, node) => `nx run ${node}:${operation}`,
  provenance: 'Created by nx-kubelet (kubelet-node generator); yours to edit.',
  ownership: 'Created by the nx-kubelet `kubelet-node` generator; every file here is yours to edit.',
  versionsHowTo: (node) =>
    [
      'The versions above are declared in `project.json` (`metadata["nx-kubelet"]`); change them with',
      `\`nx g nx-kubelet:upgrade ${node} --kubeVersion=<version>\`, which edits only the version-dependent lines here.`,
      '`nx sync` puts them back in line when a file disagrees with the declaration.',
    ].join('\n'),
};

/** The same, for a matrix's files: where shared files are copied again, and how versions are added or dropped. */
export const NX_MATRIX_FRONT_END: MatrixFrontEnd = {
  ...NX_FRONT_END,
  provenance: 'Created by nx-kubelet (matrix generator); yours to edit.',
  matrixSync: '`nx sync` (run by up and build too)',
  matrixGenerate: (name) => `nx g nx-kubelet:matrix ${name} --kubeVersions=<all the versions you want>`,
};

/** What the managed facts need to render generated documents for Nx users. */
export function nxFactContext(): FactContext {
  return { templates: loadNodeTemplates(), frontEnd: NX_FRONT_END };
}

/** The project.json of a new node: name, tags, declared versions; the targets only with --explicitTargets. */
export function nodeProjectConfiguration(
  model: NodeModel,
  declared: DeclaredVersions,
  explicitTargets: boolean,
  imageBuildTarget = IMAGE_BUILD_TARGET,
): ProjectConfiguration {
  const targets: Record<string, TargetConfiguration> = Object.fromEntries(
    OPERATION_NAMES.map((operation) => [operation, operationTarget(operation, imageBuildTarget)]),
  );
  return {
    root: model.directory,
    projectType: 'application',
    sourceRoot: model.directory,
    tags: model.tags,
    metadata: {
      description: 'Standalone kubelet node (nx-kubelet). Its versions are declared below; nx g nx-kubelet:upgrade changes them.',
      [DECLARATION_KEY]: declared,
    } as ProjectConfiguration['metadata'],
    ...(explicitTargets ? { targets } : {}),
  };
}

/**
 * Records declared versions in a project.json text, and registers the sync generator on an explicit build target,
 * as edits of just those places: comments, order and formatting of the rest stay byte for byte.
 */
export function declareVersionsInProjectJson(projectJson: string, declared: DeclaredVersions, registerSync = false): string {
  const project = parseJson<ProjectConfiguration>(projectJson);
  const formattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };
  let text = projectJson;
  if (JSON.stringify(project.metadata?.[DECLARATION_KEY as keyof typeof project.metadata]) !== JSON.stringify(declared)) {
    text = applyEdits(text, modify(text, ['metadata', DECLARATION_KEY], declared, { formattingOptions }));
  }
  const build = project.targets?.build;
  if (registerSync && build && !(build.syncGenerators ?? []).includes(SYNC_GENERATOR)) {
    text = applyEdits(text, modify(text, ['targets', 'build', 'syncGenerators'], [...(build.syncGenerators ?? []), SYNC_GENERATOR], { formattingOptions }));
  }
  return text;
}

export interface WorkspaceNode {
  name: string;
  project: ProjectConfiguration;
  /** project.json's `metadata["nx-kubelet"]` as it is, unchecked: read it with {@link declaredVersions}. */
  declaration: unknown;
}

/** Where a node's declaration is, for messages (from the node's folder). */
export const DECLARATION_WHERE = `project.json metadata["${DECLARATION_KEY}"]`;

/**
 * The versions a node declares in project.json, checked by the core: undefined for nodes generated before they were
 * declared (0.1.0); an UnreadableNodeError naming the node, project.json and each wrongly typed field otherwise.
 */
export function declaredVersions(node: WorkspaceNode): DeclaredVersions | undefined {
  return readDeclaredVersions({ name: node.name, directory: node.project.root }, node.declaration, DECLARATION_WHERE);
}

/** Every project that is a kubelet node: a Dockerfile.kicbase and a compose file (any name Compose accepts) at its root. */
export function kubeletNodes(tree: Tree): WorkspaceNode[] {
  const nodes = [...workspaceProjects(tree)].filter(([, project]) => isNodeFolder(tree, project.root));
  const broken = nodes.flatMap(([, project]) => (tree.exists(`${project.root}/project.json`) ? projectJsonProblems(tree, `${project.root}/project.json`) : []));
  if (broken.length > 0) throw cannotReadProjects(broken);
  return nodes
    .map(([name, project]) => ({
      name,
      project,
      declaration: (project.metadata as Record<string, unknown> | undefined)?.[DECLARATION_KEY],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The workspace's projects (Nx's getProjects). Nx reads a project.json that is JSON but not an object (`null`, a
 * list) with a raw TypeError; such a file is then named here, with what it holds, instead.
 */
export function workspaceProjects(tree: Tree): Map<string, ProjectConfiguration> {
  try {
    return getProjects(tree);
  } catch (error) {
    const broken: string[] = [];
    visitNotIgnoredFiles(tree, '', (path) => {
      if (basename(path) === 'project.json') broken.push(...projectJsonProblems(tree, path));
    });
    if (broken.length === 0) throw error;
    throw cannotReadProjects(broken);
  }
}

/** A project.json that parses but is not an object (`null`, a list, a number): what Nx and JSON edits cannot take. */
function projectJsonProblems(tree: Tree, path: string): string[] {
  let value: unknown;
  try {
    value = parseJson(tree.read(path, 'utf-8') ?? '');
  } catch {
    return []; // a file that does not parse: Nx's own message names it
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return [];
  return [`${path}: must be a JSON object (a project's configuration), got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`];
}

function cannotReadProjects(problems: string[]): Error {
  return new Error(`nx-kubelet cannot read the workspace's projects:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
}

function isNodeFolder(tree: Tree, root: string): boolean {
  return tree.exists(`${root}/${DOCKERFILE}`) && COMPOSE_FILES.some((file) => tree.exists(`${root}/${file}`));
}

/**
 * Names of the nodes that nx-kubelet's plugin infers without a project.json or package.json (named after their
 * folder): getProjects does not see them, but a new project must not take their names.
 */
export async function inferredNodeNames(tree: Tree): Promise<string[]> {
  // A Tree not backed by a workspace on disk (tests) has only its changes.
  const dockerfiles = existsSync(tree.root)
    ? await globAsync(tree, [`**/${DOCKERFILE}`])
    : tree
        .listChanges()
        .filter((change) => change.type === 'CREATE' && basename(change.path) === DOCKERFILE)
        .map((change) => change.path);
  return dockerfiles
    .map((file) => dirname(file))
    .filter((root) => root !== '.' && isNodeFolder(tree, root) && !tree.exists(`${root}/project.json`) && !tree.exists(`${root}/package.json`))
    .map((root) => basename(root));
}

/** The files of a node that nx-kubelet manages (never bin/'s binaries or the manifests), keyed relative to its root. */
export function readManagedFiles(tree: Tree, root: string): NodeFiles {
  const paths = managedPaths((path) => tree.exists(`${root}/${path}`));
  return Object.fromEntries(paths.map((path) => [path, tree.read(`${root}/${path}`, 'utf-8') ?? '']));
}

/**
 * The node's kubelet drop-ins in the Tree: every `*.conf` under its kubelet.conf.d/ (subfolders too, as the kubelet
 * walks them), keyed relative to its root. Not managed files: sync and upgrade leave them alone.
 */
export function readKubeletDropins(tree: Tree, root: string): NodeFiles {
  const files: NodeFiles = {};
  const walk = (folder: string) => {
    for (const name of tree.children(`${root}/${folder}`)) {
      const path = `${folder}/${name}`;
      if (!tree.isFile(`${root}/${path}`)) walk(path);
      else if (isKubeletDropin(path)) files[path] = tree.read(`${root}/${path}`, 'utf-8') ?? '';
    }
  };
  walk(KUBELET_DROPIN_DIR);
  return files;
}

/** Writes the files that differ from `before`, and deletes those that are gone from `after`. */
export function writeChangedFiles(tree: Tree, root: string, before: NodeFiles, after: NodeFiles): void {
  for (const [path, content] of Object.entries(after)) {
    if (before[path] !== content) tree.write(`${root}/${path}`, content);
  }
  for (const path of Object.keys(before)) if (!(path in after)) tree.delete(`${root}/${path}`);
}

/**
 * The warning nx g, upgrade and sync give when a node's anonymous, AlwaysAllow kubelet would listen beyond the
 * container's loopback (the core's exposure check, as `up` runs it: compose interpolated with the shell's environment
 * over the node folder's .env): one line per finding with its file and line. Undefined when nothing is exposed.
 */
export function exposureWarning(tree: Tree, name: string, root: string, files: NodeFiles): string | undefined {
  const env = { ...parseDotEnv(tree.read(`${root}/.env`, 'utf-8') ?? ''), ...process.env };
  let lines: string[];
  try {
    // The kubelet's drop-ins in the node's folder count too (with --config-dir), under those passed in.
    lines = formatFindings(nodeExposure({ ...readKubeletDropins(tree, root), ...files }, name, env), root);
  } catch (error) {
    if (!(error instanceof UnreadableNodeFileError)) throw error;
    return `nx-kubelet: cannot tell whether ${name}'s unauthenticated kubelet is reachable beyond the container's loopback: ${root}/${error.message} nx run ${name}:up will refuse it until it can tell.`;
  }
  if (lines.length === 0) return undefined;
  return [
    `nx-kubelet: ${name}'s kubelet answers anyone without authentication (anonymous, AlwaysAllow), and it would be reachable beyond the container's loopback:`,
    ...lines.map((line) => `  ${line}`),
    `  nx run ${name}:up refuses to start it so (unless --exposeUnauthenticatedKubelet); see docs/security.md.`,
  ].join('\n');
}
