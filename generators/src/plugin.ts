/**
 * Inferred targets: any folder with a Dockerfile.kicbase and a compose file is a kubelet node and gets a target per
 * node operation (kubelet-node's table: build, up, status, apply…), without hand-written configuration. And graph edges:
 * a node depends on each workspace project that declares an image its manifests run (see createDependencies). Register it in nx.json
 * (`nx add nx-kubelet` does): `"plugins": [{ "plugin": "nx-kubelet", "options": { "buildTargetName": "image" } }]`.
 */
// Types only: importing @nx/devkit's code would cost every plugin worker ~0.4 s of start-up. Everything below is
// node: built-ins; nx's own module for the data directory is required only when createNodes runs, and the plugin
// worker has loaded it already by then.
import type { CreateDependencies, CreateNodes, CreateNodesResult, TargetConfiguration } from '@nx/devkit';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
// Plain constants (no ejs, no yaml): the compose file names that the core, upgrade and sync recognise too, and the
// table of operations.
import { COMPOSE_FILES, imageInputs, MATRIX_RECORD } from 'kubelet-node/node-files';
import { OPERATION_NAMES, OperationName, operationSpec } from 'kubelet-node/operations-table';
import { IMAGE_BUILD_TARGET, operationTarget, SYNC_GENERATOR, TargetNameOptions, targetNames } from './lib/node-targets';

/**
 * The plugin's options: a name for each operation's target (`buildTargetName`, `upTargetName`, …, one per operation of
 * kubelet-node's table), and the image build of the projects a node depends on.
 */
export interface KubeletPluginOptions extends TargetNameOptions {
  /**
   * The target that builds an image in the projects a node depends on (those that declare the images its manifests
   * run): `up`, `load` and `apply` run it there first. @default 'docker:build' (as @nx/docker infers it)
   */
  imageBuildTargetName?: string;
}

export { IMAGE_BUILD_TARGET };

/** Normalizes the plugin options once: every target has a name. */
export function normalizePluginOptions(options: KubeletPluginOptions | undefined): Record<OperationName, string> {
  return targetNames(options);
}

/** What the targets of a node depend on besides the options: which files its folder has. */
export interface NodeFiles {
  /** The first of the compose file names present, or undefined (then the folder is no node). */
  composeFile?: string;
  /** project.json or package.json present: they name the project, the plugin does not. */
  named: boolean;
  /** The node is a member of a matrix (its parent folder has the matrix's record): its copies are synced first. */
  matrixMember?: boolean;
}

/** Checks exactly the files the targets depend on, and no more (a compose file first: most folders stop there). */
export function probeNodeFiles(root: string, fileExists: (path: string) => boolean): NodeFiles {
  if (root === '.') return { named: false };
  const composeFile = COMPOSE_FILES.find((file) => fileExists(join(root, file)));
  if (!composeFile) return { named: false };
  return {
    composeFile,
    named: fileExists(join(root, 'project.json')) || fileExists(join(root, 'package.json')),
    ...(fileExists(join(root, '..', MATRIX_RECORD)) ? { matrixMember: true } : {}),
  };
}

/**
 * The targets of the node in `root` (workspace-relative). Pure apart from the given file check, for tests.
 * No target is cached: `build`'s result is an image in the Docker engine, the others' state in the node.
 */
export function inferNodeProject(root: string, fileExists: (path: string) => boolean, options?: KubeletPluginOptions): CreateNodesResult {
  return nodeProject(root, probeNodeFiles(root, fileExists), options);
}

function nodeProject(root: string, { composeFile, named, matrixMember }: NodeFiles, options?: KubeletPluginOptions): CreateNodesResult {
  if (!composeFile || root === '.') return {};
  const names = normalizePluginOptions(options);
  const imageBuildTarget = options?.imageBuildTargetName ?? IMAGE_BUILD_TARGET;
  const targets: Record<string, TargetConfiguration> = {};
  for (const operation of OPERATION_NAMES) {
    const { description, seeAlso, buildsImage, needsWorkloadImages } = operationSpec(operation);
    const target = operationTarget(operation, imageBuildTarget);
    // A matrix's node gets the matrix's manifests copied in (nx sync) before any target that reads its manifests.
    if (matrixMember && needsWorkloadImages && !target.syncGenerators) target.syncGenerators = [SYNC_GENERATOR];
    targets[names[operation]] = {
      ...target,
      // Never cached: a result is an image in the engine or state in the node, not a file Nx could restore.
      cache: false,
      ...(composeFile === 'compose.yaml' ? {} : { options: { composeFile } }),
      metadata: { technologies: ['docker'], description, help: { command: seeAlso, example: {} } },
      // What the image is built from.
      ...(buildsImage ? { inputs: imageInputs(composeFile).map((path) => `{projectRoot}/${path}`) } : {}),
    };
  }
  // A folder without project.json or package.json is named after itself; otherwise their name stands.
  return {
    projects: {
      [root]: {
        root,
        ...(named ? {} : { name: basename(root) }),
        targets,
        metadata: { technologies: ['docker'], targetGroups: { 'Kubelet node': Object.values(names) } },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Results cache, as Nx's own plugins keep one: a file in the workspace data directory (.nx/workspace-data) named
// after the options, holding each node's result under a hash of everything it was computed from (cache format,
// plugin version and code, options, the node's folder and which of the files it depends on are present). Read once and
// written at most once per run (only when something changed), through a temporary file and a rename, with only
// the entries this run used. A missing, unreadable or malformed file is an empty cache. NX_CACHE_PROJECT_GRAPH=false
// (nx recomputes everything) skips reading it, as in Nx's PluginCache.

const CACHE_FORMAT = '1';

interface CacheFile {
  format: string;
  entries: Record<string, CreateNodesResult>;
}

let pluginIdentity: string | undefined;

/**
 * nx-kubelet's version and a hash of the code the targets are made from (this file, the Nx target shapes and
 * kubelet-node's table of operations): a plugin upgrade, or a rebuild while developing it, that changes targets must
 * not be answered from an older cache.
 */
function readPluginIdentity(): string {
  if (pluginIdentity === undefined) {
    let version = 'unknown';
    try {
      version = String(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version);
    } catch {
      // keep 'unknown': the code hash still tells versions apart
    }
    const code = [__filename, require.resolve('./lib/node-targets'), require.resolve('kubelet-node/operations-table')].map((file) => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return ''; // bundled or virtual: the version alone
      }
    });
    pluginIdentity = `${version} ${hashOf(code)}`;
  }
  return pluginIdentity;
}

function hashOf(parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/**
 * Where Nx keeps workspace data: nx's own answer when this nx has it (honours NX_WORKSPACE_DATA_DIRECTORY and
 * NX_PROJECT_GRAPH_CACHE_DIRECTORY), else the same rule written out.
 */
export function workspaceDataDirectory(workspaceRoot: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nxCacheDirectory = require(require.resolve('nx/src/utils/cache-directory', { paths: [workspaceRoot] }));
    if (typeof nxCacheDirectory.workspaceDataDirectoryForWorkspace === 'function') return nxCacheDirectory.workspaceDataDirectoryForWorkspace(workspaceRoot);
  } catch {
    // an nx without it: the rule below
  }
  const configured = process.env.NX_WORKSPACE_DATA_DIRECTORY ?? process.env.NX_PROJECT_GRAPH_CACHE_DIRECTORY;
  if (configured) return isAbsolute(configured) ? configured : join(workspaceRoot, configured);
  return join(workspaceRoot, '.nx', 'workspace-data');
}

/** The cache file for these options. */
export function pluginCachePath(workspaceRoot: string, options: KubeletPluginOptions | undefined): string {
  return join(workspaceDataDirectory(workspaceRoot), `nx-kubelet-${hashOf([JSON.stringify(normalizePluginOptions(options))])}.hash`);
}

function readCache(path: string): Record<string, CreateNodesResult> {
  if (process.env.NX_CACHE_PROJECT_GRAPH === 'false') return {};
  try {
    const content = JSON.parse(readFileSync(path, 'utf8')) as Partial<CacheFile>;
    const entries = content?.format === CACHE_FORMAT ? content.entries : undefined;
    return entries && typeof entries === 'object' && !Array.isArray(entries) ? entries : {};
  } catch {
    return {};
  }
}

function writeCache(path: string, entries: Record<string, CreateNodesResult>): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, JSON.stringify({ format: CACHE_FORMAT, entries } satisfies CacheFile));
    renameSync(temporary, path);
  } catch {
    // A cache that cannot be written costs a recomputation next time, nothing more.
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written
    }
  }
}

/**
 * createNodes over all config files at once: probes each folder, answers from the cache where the key matches,
 * computes the rest.
 */
export function inferNodes(
  configFiles: readonly string[],
  options: KubeletPluginOptions | undefined,
  workspaceRoot: string,
  fileExists: (path: string) => boolean = (path) => existsSync(join(workspaceRoot, path)),
): [string, CreateNodesResult][] {
  const cachePath = pluginCachePath(workspaceRoot, options);
  const cached = readCache(cachePath);
  const used: Record<string, CreateNodesResult> = {};
  const keyBase = [CACHE_FORMAT, readPluginIdentity(), JSON.stringify(normalizePluginOptions(options)), options?.imageBuildTargetName ?? IMAGE_BUILD_TARGET];
  let changed = false;
  const results = configFiles.map((file): [string, CreateNodesResult] => {
    const root = dirname(file);
    const files = probeNodeFiles(root, fileExists);
    const key = hashOf([...keyBase, root, files.composeFile ?? '', String(files.named), String(files.matrixMember ?? false)]);
    let result = Object.prototype.hasOwnProperty.call(cached, key) ? cached[key] : undefined;
    if (result === undefined) {
      result = nodeProject(root, files, options);
      changed = true;
    }
    used[key] = result;
    return [file, result];
  });
  if (changed || Object.keys(used).length !== Object.keys(cached).length) writeCache(cachePath, used);
  return results;
}

export const createNodes: CreateNodes<KubeletPluginOptions> = [
  '**/Dockerfile.kicbase',
  async (configFiles, options, context) => inferNodes(configFiles, options, context.workspaceRoot),
];

/** Nx 21 loads `createNodesV2`, Nx 22+ `createNodes`: the same tuple under both names. */
export const createNodesV2 = createNodes;

/**
 * Graph edges from a node to the workspace projects that build the images its manifests run: a project declares
 * them in `metadata["nx-kubelet"].images` of its project.json (or package.json's "nx"); nothing is guessed from
 * Dockerfiles or tags. Recomputed in full on every graph build from the manifests on disk (implicit edges, no stale
 * cache), so `nx affected` lists the node when such a project changes. The manifest reader is loaded only here.
 */
export const createDependencies: CreateDependencies<KubeletPluginOptions> = (_options, context) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { imageDependencies } = require('./image-dependencies') as typeof import('./image-dependencies');
  return imageDependencies(context.projects, context.workspaceRoot);
};
