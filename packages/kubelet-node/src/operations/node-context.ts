/**
 * What every operation needs to know about the node it runs for, read from the node's own files once, here and only
 * here: its folder, compose file and service, how docker is reached, the kubelet's ports, addresses and static pod
 * folder (kubelet.yaml), its pause image (units/cri-docker.service), the Dockerfile's BINARY_SOURCE, and its
 * manifests/ folder ({@link nodeManifests}). Facts that nx-kubelet manages are read with their locators (core/).
 * No other operation reads or parses a node's file (operations/node-files.spec.ts checks it).
 */
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { execStartFlag, Locator, readComposeBuildArgs, readDockerfileArg } from '../core/locators';
import { managedFact } from '../core/managed-facts';
import { readManifestFolder, StaticPod } from '../core/manifests';
import {
  BIN_DIR,
  COMPOSE,
  composeFileOf,
  DOCKERFILE,
  KUBELET_DROPIN_DIR,
  KUBELET_UNIT,
  KUBELET_YAML,
  MANIFESTS_DIR,
  MATRIX_RECORD,
  NodeFiles,
} from '../core/node-files';
import { FolderReader, MATRIX_SETTINGS, matrixCopiesBehind, matrixFiles, MatrixRecordError, readMatrixRecord } from '../core/matrix';
import { isKubeletDropin, KUBELET_CONFIG_IN_NODE, KUBELET_FIELDS, KubeletConfig, kubeletConfig, KubeletField, kubeletFlags } from '../core/kubelet-config';
import { ExposureFinding, nodeExposure, parseDotEnv, ParsedNodeYaml, parseNodeYaml, UnreadableNodeFileError } from '../core/exposure';
import { readEngineRecord, UnreadableNodeError } from '../core/node-records';
import { checkAddressForEngine, checkDockerContext, checkEngineKind, InvalidEngineAddressError, parseEngineAddress } from '../core/engine-address';
import {
  BUILDER_ENV,
  ComposeBuildSettings,
  composeBuildSettings,
  ContextEntry,
  IgnorePattern,
  isIgnored,
  mayTakeBackIn,
  parseDockerignore,
} from '../core/image-inputs';
import {
  captureDocker,
  describeEngine,
  DockerCommandError,
  DockerTarget,
  dockerEnv,
  formatCommand,
  runCommand,
  runDocker,
  RunOptions,
  RunResult,
} from './docker-cli';
import { ComposeCommand, daemonCheck, findCompose } from './preflight';
import { engineAdapter } from './engine-adapter';

/** Options every node operation accepts (the Nx executors', the projen tasks' and the CLI's). */
export interface DockerConnectionOptions {
  /** Compose file, relative to the node's folder. @default compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml, whichever exists */
  composeFile?: string;
  /** Compose service of the node. @default the service named after the project, else the one that builds Dockerfile.kicbase */
  service?: string;
  /** The container engine: docker or podman. @default the one the node records, else docker */
  engine?: string;
  /** Docker context to use (`docker --context`). */
  context?: string;
  /** Docker daemon address (DOCKER_HOST), e.g. unix:///run/user/1000/docker.sock or ssh://host. */
  dockerHost?: string;
}

/** Which node an operation runs for, as the front-end (Nx, projen, the CLI) knows it. */
export interface NodeRef {
  /** The node's name: its compose service is the one named so, if there is one. */
  name: string;
  /** The node's folder (absolute, or relative to the current directory). */
  dir: string;
  /** The folder as messages show it (workspace-relative in Nx, as typed in the CLI). @default dir */
  displayDir?: string;
  /** How the user runs an operation on this node, for messages: e.g. `nx run my-node:up`, `kubelet-node up nodes/my-node`. */
  command(operation: string, args?: string): string;
  /** The workspace root, for messages about paths. @default the current directory */
  workspaceRoot?: string;
  /**
   * How the user runs an operation on ANOTHER node, by its name and folder (the nodes of a matrix, when the operation
   * runs on the matrix's folder). @default this ref's own command
   */
  commandFor?(name: string, dir: string): (operation: string, args?: string) => string;
  /**
   * How the user copies a matrix's shared manifests and settings into its nodes again with this front-end (e.g. `nx
   * sync`), for the message when a matrix node's copies are behind. @default a neutral wording
   */
  matrixSync?: string;
}

/** The disk as {@link matrixFiles} reads it. */
const DISK: FolderReader = {
  read: (path) => {
    try {
      return statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
    } catch {
      return undefined; // absent: not in the files
    }
  },
  list: (path) => {
    try {
      return readdirSync(path);
    } catch {
      return [];
    }
  },
};

/**
 * A node of a matrix whose copies of the matrix's shared manifests and settings are behind (edited since the last
 * sync) is refused before anything runs: building or applying it would run the old workload without a word. Nx runs
 * its sync check before a task only outside CI, and the CLI has none, so the operation checks itself. A folder
 * whose parent has no matrix record, or whose record does not list it, is not a matrix node; a record that cannot be
 * read is an error naming it.
 */
export function checkMatrixCopies(ref: NodeRef): void {
  // The folder itself, not a link to it: a member reached through a symbolic link is still the matrix's.
  let dir = resolve(ref.dir);
  try {
    dir = realpathSync(dir);
  } catch {
    // missing: loadNode says so
  }
  const matrixDir = dirname(dir);
  const recordPath = join(matrixDir, MATRIX_RECORD);
  if (!existsSync(recordPath)) return;
  const shownMatrix = relative(process.cwd(), matrixDir) || '.';
  let record;
  try {
    record = readMatrixRecord(readFileSync(recordPath, 'utf8'), join(shownMatrix, MATRIX_RECORD));
  } catch (error) {
    // The node may not be the matrix's at all: say why a file beside its folder stops it, and the two ways out.
    const reason =
      error instanceof MatrixRecordError
        ? error.message
        : `${join(shownMatrix, MATRIX_RECORD)}: cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    throw new Error(
      `${reason}\n${ref.displayDir ?? ref.dir} is in the folder of that matrix record, so whether it is one of the matrix's nodes (whose copies of the matrix's manifests and settings must be in step before it runs) cannot be told. Nothing was run. Fix ${join(shownMatrix, MATRIX_RECORD)}, or move the node out of ${shownMatrix}.`,
    );
  }
  if (!record.members.some((member) => resolve(matrixDir, member.directory) === dir)) return;
  const shared = matrixFiles(DISK, matrixDir, 'shared');
  const member = matrixFiles(DISK, dir, 'member');
  const behind = matrixCopiesBehind(record.name, shared, member);
  if (behind.length === 0) return;
  throw new Error(
    [
      `${ref.displayDir ?? ref.dir} is a node of matrix "${record.name}", and its copies of the matrix's manifests and settings are behind (they differ from ${join(shownMatrix, MATRIX_SETTINGS)} or ${join(shownMatrix, MANIFESTS_DIR)}/):`,
      ...behind.map((line) => `  - ${line}`),
      `Nothing was run. Copy them first: ${ref.matrixSync ?? 'run the sync of the tool that made the matrix'}.`,
    ].join('\n'),
  );
}

/**
 * The nodes of the matrix whose folder `ref` names (its record, kubelet-matrix.yaml, lists them), as refs; undefined
 * when the folder has no matrix record. A record that cannot be read, or a node folder that is missing or leads out
 * of the matrix's folder, is an error naming it.
 */
export function matrixNodeRefs(ref: NodeRef): NodeRef[] | undefined {
  const recordPath = join(ref.dir, MATRIX_RECORD);
  if (!existsSync(recordPath)) return undefined;
  const shown = ref.displayDir ?? ref.dir;
  let record;
  try {
    record = readMatrixRecord(readFileSync(recordPath, 'utf8'), join(shown, MATRIX_RECORD));
  } catch (error) {
    if (error instanceof MatrixRecordError) throw new Error(error.message);
    throw new Error(`${join(shown, MATRIX_RECORD)}: cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (record.members.length === 0) throw new Error(`${join(shown, MATRIX_RECORD)}: the matrix has no nodes.`);
  return record.members.map((member) => {
    checkInsideNode(ref.dir, shown, member.directory, `The matrix node folder`);
    const dir = join(ref.dir, member.directory);
    if (!existsSync(dir)) throw new Error(`${join(shown, member.directory)}: the folder of the matrix's node ${member.name} is missing.`);
    const displayDir = join(shown, member.directory);
    return {
      name: member.name,
      dir,
      displayDir,
      workspaceRoot: ref.workspaceRoot,
      command: ref.commandFor ? ref.commandFor(member.name, displayDir) : ref.command,
    };
  });
}

/**
 * What an operation can know about its node before docker is reached: its files, read and checked. Operations check
 * their options and the node's files on this (see OperationImplementation's `check`), so that bad input is refused
 * before any engine is contacted.
 */
export type NodeDescription = Omit<NodeContext, 'compose' | 'composeLookup' | 'composeProject' | 'containerAtLoad'>;

export interface NodeContext {
  name: string;
  dir: string;
  displayDir: string;
  workspaceRoot: string;
  command(operation: string, args?: string): string;
  composeFile: string;
  service: string;
  /**
   * The compose project the operations use: the compose file's `name:` scoped to this folder (`<name>-<hash>`), so
   * that two checkouts with a node of the same name never share a container, network or volume on one engine.
   */
  composeProject: string;
  /**
   * The node's container as the operation's first query found it (the same one as {@link findContainer}), before the
   * operation did anything; undefined when it has none. For an operation that only looks (status): after anything
   * that may create, start, stop or remove it, ask again with findContainer.
   */
  containerAtLoad?: NodeContainer;
  target: DockerTarget;
  /** The engine as messages name it: `docker context "edge-a"`, `DOCKER_HOST=ssh://…` or `the default engine`. */
  engine: string;
  /** How Compose is run here (looked for once; a missing Compose is an Error that says how to install it). */
  compose(): Promise<ComposeCommand>;
  /**
   * The lookup of {@link compose} if it has started: an operation that always runs Compose starts it beside its first
   * query; the others run `docker compose` as it is and look only when that fails for want of Compose (runCompose).
   */
  composeLookup(): Promise<ComposeCommand> | undefined;
  /** The image the compose service names (`image:`), if it names one. */
  image?: string;
  /** Build args of the service in the compose file (versions, BINARY_SOURCE). */
  buildArgs: Record<string, string>;
  /** Volumes the compose file names globally (`name:`, as nodes before 0.4.0 have it): shared by every checkout. */
  globalVolumes: string[];
  /** The default of the Dockerfile's `ARG BINARY_SOURCE=`, if it has one. */
  dockerfileBinarySource?: string;
  /** The kubelet as kubelet.yaml and its unit configure it (the kubelet's defaults where they say nothing). */
  kubelet: KubeletFacts;
  /** The pause image cri-dockerd uses (`--pod-infra-container-image` of units/cri-docker.service), if it names one. */
  pauseImage?: string;
  /**
   * Who beyond the container's loopback would reach the node's unauthenticated kubelet, on what it will really run
   * (the core's exposure check over the compose file with this environment and the folder's .env, kubelet.yaml and
   * the kubelet unit's flags). Throws, naming the file, when the files cannot tell.
   */
  exposure(): ExposureFinding[];
  /**
   * What a build of the node's image reads, read now from the node's files (its build context as the ignore file
   * selects it, the Dockerfile, the compose service's build settings as Compose interpolates them), for the core's
   * up-to-date check (core/image-inputs.ts); or why it cannot be told from the files.
   */
  buildInputs(): BuildInputs | { unknown: string };
}

/** What {@link NodeContext.buildInputs} reads: the parts of the core's ImageInputs that come from files. */
export interface BuildInputs {
  settings: ComposeBuildSettings['settings'];
  /** The build args of the compose service, interpolated. */
  args: Record<string, string>;
  /** The .env file, when the build settings take something from the environment. */
  dotEnv?: string;
  builderEnv: Record<string, string | undefined>;
  dockerfile: string;
  ignoreFile?: string;
  context: ContextEntry[];
  /** The build context folder and the Dockerfile's path (absolute; undefined: inline), for a build without Compose. */
  contextDir: string;
  dockerfilePath?: string;
}

export type ContainerState = 'running' | 'exited' | 'created' | 'restarting' | 'paused' | 'dead' | 'removing';

/** A container of the node's compose service as the engine lists it. */
export interface NodeContainer {
  /** The full container ID. */
  id: string;
  /** Its name as docker shows it. */
  name: string;
  state: ContainerState;
}

export interface KubeletFacts {
  /** healthzPort (10248 when unset). */
  healthzPort: number;
  /** readOnlyPort of the read-only API (/pods); 0: off (the default in v1beta1). */
  readOnlyPort: number;
  /** port of the main API (/configz; 10250 when unset). */
  port: number;
  /** Where the main and read-only APIs listen (address): a loopback address reaches them when unset or 0.0.0.0. */
  address?: string;
  /** Where /healthz listens (healthzBindAddress, 127.0.0.1 when unset). */
  healthzBindAddress?: string;
  /** The static pod folder inside the node (staticPodPath), without a trailing slash. */
  staticPodPath: string;
  /** `--hostname-override` of the kubelet's ExecStart= when it names the node literally (no systemd specifier). */
  hostnameOverride?: string;
}

/** The kubelet's staticPodPath in every generated node (kubelet.yaml can change it). */
export const DEFAULT_STATIC_POD_PATH = '/etc/kubernetes/manifests';

/** The managed fact that is the pause image cri-dockerd uses (its file and locator). */
const PAUSE_IMAGE_FACT = 'cri-docker.service:--pod-infra-container-image';

/**
 * Reads the node's compose file, kubelet.yaml, the kubelet and cri-dockerd units and its Dockerfile and checks them
 * and the connection options ({@link describeNode}), then `how.check` (the operation's own checks of its options), and
 * only then reaches docker: bad input is refused before any engine is contacted. The daemon is checked through the
 * first query (the node's compose project), Compose beside it (or, with `composeWhenNeeded`, at the first Compose
 * command).
 */
export async function loadNode(ref: NodeRef, options: DockerConnectionOptions, how: LoadOptions = {}): Promise<NodeContext> {
  const node = describeNode(ref, options);
  how.check?.(node);
  // One round trip: the first real query (which also tells whether the daemon answers) beside looking for Compose.
  let compose: Promise<ComposeCommand> | undefined = how.composeWhenNeeded ? undefined : findCompose(node.target);
  compose?.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
  const [project, found] = await Promise.allSettled([composeProjectOf(node.target, node.composeProjectName, node.dir, node.service), compose]);
  if (project.status === 'rejected') throw project.reason;
  if (found.status === 'rejected') throw found.reason;
  const { composeProjectName: _, ...described } = node;
  return {
    ...described,
    composeProject: project.value.project,
    containerAtLoad: project.value.container,
    compose: () => (compose ??= findCompose(node.target)),
    composeLookup: () => compose,
  };
}

/** The node as its files describe it, checked, with no docker command run. Throws with a message naming the problem. */
export function describeNode(ref: NodeRef, options: DockerConnectionOptions): NodeDescription & { composeProjectName: string } {
  const dir = resolve(ref.dir);
  const displayDir = ref.displayDir ?? ref.dir;
  if (!existsSync(dir)) throw new Error(`${displayDir}: no such folder.`);
  const composeFile = options.composeFile ?? composeFileOf((path) => existsSync(join(dir, path)));
  if (options.composeFile !== undefined) checkInsideNode(dir, displayDir, options.composeFile, '--composeFile');
  const composePath = join(dir, composeFile);
  if (!existsSync(composePath)) {
    throw new Error(`${join(displayDir, composeFile)} does not exist. Is ${displayDir} a kubelet node? Set the composeFile option otherwise.`);
  }
  const composeText = readFileSync(composePath, 'utf8');
  // Parsed once here, for the compose document and the engine record both.
  const composeParsed = parseNodeYaml(composeText);
  const composeDocument = parseCompose(ref.name, displayDir, composeFile, composeParsed);
  const service = options.service ?? nodeService(composeDocument.services ?? {}, ref.name, join(displayDir, composeFile));
  if (!(service in (composeDocument.services ?? {}))) {
    throw new Error(
      `${join(displayDir, composeFile)} has no service ${JSON.stringify(service)} (services: ${Object.keys(composeDocument.services ?? {}).join(', ') || 'none'}).`,
    );
  }
  let target: DockerTarget;
  try {
    target = engineOf(options, composeParsed, composeFile);
  } catch (error) {
    if (error instanceof UnreadableNodeFileError) throw new UnreadableNodeError(ref.name, displayDir, [error.message]);
    throw error;
  }
  const facts = readNodeFacts(dir, displayDir, service);
  const dotEnvText = () => readNodeFile(dir, displayDir, '.env');
  /** The variables Compose interpolates the compose file with: the folder's .env under the shell's environment. */
  const composeEnv = () => ({ ...parseDotEnv(dotEnvText()), ...process.env });
  return {
    name: ref.name,
    dir,
    displayDir,
    workspaceRoot: resolve(ref.workspaceRoot ?? '.'),
    command: ref.command,
    composeFile,
    service,
    composeProjectName: typeof composeDocument.name === 'string' && composeDocument.name.trim() ? composeDocument.name.trim() : basename(dir),
    target,
    engine: describeEngine(target),
    image: typeof composeDocument.services?.[service]?.image === 'string' ? (composeDocument.services[service].image as string) : undefined,
    buildArgs: readComposeBuildArgs(composeText, service),
    globalVolumes: Object.values((composeDocument.volumes ?? {}) as Record<string, { name?: unknown } | null>)
      .map((volume) => (typeof volume?.name === 'string' ? volume.name : undefined))
      .filter((volume): volume is string => volume !== undefined && !volume.includes('$')),
    ...facts,
    exposure: () => {
      const files = { [composeFile]: composeText, ...facts.kubeletFiles };
      try {
        return nodeExposure(files, service, composeEnv(), composeFile);
      } catch (error) {
        if (error instanceof UnreadableNodeFileError) throw new Error(`${displayDir}/${error.message}`);
        throw error;
      }
    },
    buildInputs: () => readBuildInputs(dir, composeDocument, service, composeEnv(), dotEnvText),
  };
}

/**
 * Refuses a path option (e.g. `--composeFile`) that leads outside the node's folder: absolute, through `..`, or
 * through a symbolic link (the real paths are compared).
 */
export function checkInsideNode(dir: string, displayDir: string, path: string, option: string): void {
  const outside = (why: string) =>
    new Error(`${option} ${JSON.stringify(path)} is outside the node's folder ${displayDir}${why}: give a file inside it, relative to it (e.g. compose.yaml).`);
  if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) throw outside('');
  const full = resolve(dir, path);
  if (!existsSync(full)) return;
  const within = relative(realPath(dir), realPath(full));
  if (within === '' || within.startsWith('..') || isAbsolute(within)) throw outside(' (through a symbolic link)');
}

/** See {@link NodeContext.buildInputs}. */
function readBuildInputs(
  dir: string,
  composeDocument: Record<string, unknown>,
  service: string,
  env: Record<string, string | undefined>,
  dotEnv: () => string | undefined,
): BuildInputs | { unknown: string } {
  const build = composeBuildSettings(composeDocument, service, env);
  if ('unknown' in build) return build;
  try {
    const contextDir = resolve(dir, build.context);
    const dockerfilePath = isAbsolute(build.dockerfile) ? build.dockerfile : join(contextDir, build.dockerfile);
    const dockerfile = build.dockerfileInline ?? readFileSync(dockerfilePath, 'utf8');
    // BuildKit prefers <Dockerfile>.dockerignore beside the Dockerfile to the context's .dockerignore.
    const ignorePath = [`${dockerfilePath}.dockerignore`, join(contextDir, '.dockerignore')].find((path) => existsSync(path));
    const ignoreFile = ignorePath === undefined ? undefined : readFileSync(ignorePath, 'utf8');
    return {
      settings: build.settings,
      args: build.args,
      dotEnv: build.usesEnvironment ? dotEnv() : undefined,
      builderEnv: Object.fromEntries(BUILDER_ENV.map((name) => [name, process.env[name]])),
      dockerfile,
      ignoreFile,
      context: readBuildContext(contextDir, parseDockerignore(ignoreFile ?? '')),
      contextDir,
      dockerfilePath: build.dockerfileInline === undefined ? dockerfilePath : undefined,
    };
  } catch (error) {
    return { unknown: `its build context cannot be read: ${(error as Error).message}` };
  }
}

/**
 * The entries of a build context folder that reach the builder: every file, symlink and folder the ignore patterns
 * let through (a left-out folder only for what a `!` pattern takes back in), each with its permission bits and content.
 */
function readBuildContext(root: string, patterns: IgnorePattern[]): ContextEntry[] {
  const entries: ContextEntry[] = [];
  const walkIgnored = mayTakeBackIn(patterns);
  const walk = (folder: string): boolean => {
    let taken = false;
    for (const name of readdirSync(join(root, folder)).sort()) {
      const path = folder ? `${folder}/${name}` : name;
      const full = join(root, path);
      const stat = lstatSync(full);
      const ignored = isIgnored(path, patterns);
      const mode = stat.mode & 0o7777;
      if (stat.isDirectory()) {
        if (ignored && !walkIgnored) continue;
        if (walk(path) || !ignored) {
          entries.push({ path, type: 'dir', mode });
          taken = true;
        }
        continue;
      }
      if (ignored) continue;
      taken = true;
      if (stat.isFile()) entries.push({ path, type: 'file', mode, sha256: createHash('sha256').update(readFileSync(full)).digest('hex') });
      else if (stat.isSymbolicLink()) entries.push({ path, type: 'symlink', mode, target: readlinkSync(full) });
      else entries.push({ path, type: 'other', mode });
    }
    return taken;
  };
  walk('');
  return entries;
}

export interface LoadOptions {
  /** The operation's own checks of its options and the node's files, run before docker is reached. */
  check?: (node: NodeDescription) => void;
  /**
   * Look for Compose at the first Compose command instead of now: for an operation that may run none (a build that
   * finds its image up to date, status).
   */
  composeWhenNeeded?: boolean;
}

/** What the operations need from the node's files besides its compose file (see {@link NodeContext}). */
export function readNodeFacts(
  dir: string,
  displayDir: string,
  service: string,
): Pick<NodeContext, 'dockerfileBinarySource' | 'kubelet' | 'pauseImage'> & { kubeletFiles: NodeFiles } {
  const read = (file: string) => readNodeFile(dir, displayDir, file);
  const pause = managedFact(PAUSE_IMAGE_FACT);
  const kubeletYaml = read(KUBELET_YAML);
  const kubeletUnit = read(KUBELET_UNIT);
  const dockerfile = read(DOCKERFILE);
  const dropins = readKubeletDropins(dir, displayDir);
  // The kubelet's files as read here, for the exposure check (no second read).
  const kubeletFiles: NodeFiles = Object.fromEntries(
    [[KUBELET_YAML, kubeletYaml], [KUBELET_UNIT, kubeletUnit], ...Object.entries(dropins)].filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  // The kubelet's settings as it will run them (core/kubelet-config.ts): its flags over kubelet.yaml and the drop-ins.
  // A unit that does not run the kubelet itself (a script of yours) tells no flags: the generated --config is assumed,
  // and a missing kubelet.yaml is the kubelet's defaults.
  const runsKubelet = kubeletUnit !== undefined && execStartFlag('kubelet', '--config').read(kubeletUnit, { service }).state !== 'unreadable';
  const flags = (runsKubelet ? kubeletFlags(kubeletUnit) : undefined) ?? new Map([['config', { value: KUBELET_CONFIG_IN_NODE, file: KUBELET_UNIT }]]);
  let config: KubeletConfig;
  try {
    config = kubeletConfig({ ...kubeletFiles, [KUBELET_YAML]: kubeletYaml ?? '' }, flags);
  } catch (error) {
    if (error instanceof UnreadableNodeFileError) throw new Error(`${join(displayDir, error.message)}`);
    throw error;
  }
  const setting = (field: KubeletField) => {
    try {
      return config.setting(field);
    } catch (error) {
      if (error instanceof UnreadableNodeFileError) throw new Error(`${join(displayDir, error.message)}`);
      throw error;
    }
  };
  const port = (field: KubeletField) => {
    const found = setting(field);
    if (!/^\d+$/.test(found.value.trim())) {
      throw new Error(
        `${join(displayDir, found.file)}${found.line ? `:${found.line}` : ''}: ${found.setting ?? field.path.join('.')} is "${found.value}", not a port number.`,
      );
    }
    return Number(found.value);
  };
  const staticPodPath = setting(KUBELET_FIELDS.staticPodPath).value.replace(/\/+$/, '');
  // Unreadable units (an ExecStart= that runs a script of yours) name no pause image and no node name: not an error.
  const pauseImage = located(read(pause.file), pause.locator, { service }) || undefined;
  const override = located(kubeletUnit, execStartFlag('kubelet', '--hostname-override'), { service })?.trim();
  return {
    dockerfileBinarySource: dockerfile === undefined ? undefined : readDockerfileArg(dockerfile, 'BINARY_SOURCE'),
    kubelet: {
      healthzPort: port(KUBELET_FIELDS.healthzPort),
      readOnlyPort: port(KUBELET_FIELDS.readOnlyPort),
      port: port(KUBELET_FIELDS.port),
      address: setting(KUBELET_FIELDS.address).value,
      healthzBindAddress: setting(KUBELET_FIELDS.healthzBindAddress).value,
      staticPodPath: staticPodPath || DEFAULT_STATIC_POD_PATH,
      hostnameOverride: override && !override.includes('%') ? override : undefined,
    },
    pauseImage,
    kubeletFiles,
  };
}

/**
 * The node's kubelet drop-ins: every `*.conf` file under its kubelet.conf.d/ (subfolders too, as the kubelet walks
 * them), keyed relative to the node. A symbolic link (the folder itself, or anything in it) that leads outside the
 * node's folder is refused; a link to a folder is not followed (nor does the kubelet's walk follow it).
 */
function readKubeletDropins(dir: string, displayDir: string): NodeFiles {
  const root = join(dir, KUBELET_DROPIN_DIR);
  if (!existsSync(root)) return {};
  const node = realPath(dir);
  const inside = (path: string) => {
    const within = relative(node, realPath(join(dir, path)));
    if (within === '' || within.startsWith('..') || isAbsolute(within))
      throw new Error(
        `${join(displayDir, path)} leads outside the node's folder ${displayDir} (through a symbolic link): the kubelet's drop-ins must be the node's own files.`,
      );
  };
  inside(KUBELET_DROPIN_DIR);
  const files: NodeFiles = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(join(dir, folder)).sort()) {
      const path = `${folder}/${name}`;
      const stat = lstatSync(join(dir, path));
      if (stat.isSymbolicLink()) inside(path);
      if (stat.isDirectory()) walk(path);
      else if (isKubeletDropin(path) && (stat.isFile() || (stat.isSymbolicLink() && !statIsDirectory(join(dir, path))))) {
        const text = readNodeFile(dir, displayDir, path);
        if (text !== undefined) files[path] = text;
      }
    }
  };
  walk(KUBELET_DROPIN_DIR);
  return files;
}

function statIsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A node's file (relative to its folder), or undefined when it has none. */
function readNodeFile(dir: string, displayDir: string, file: string): string | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${join(displayDir, file)} cannot be read: ${(error as Error).message}`);
  }
}

/**
 * What a locator finds in a node file's text: the value, or undefined when the file or the value is absent. A file
 * that cannot be read for it is an error when `shownFile` is given, otherwise it names nothing.
 */
function located(text: string | undefined, locator: Locator, context: { service: string }, shownFile?: string): string | undefined {
  if (text === undefined) return undefined;
  const found = locator.read(text, context);
  if (found.state === 'present') return found.value;
  if (found.state === 'unreadable' && shownFile) throw new Error(`${shownFile}: ${found.reason}.`);
  return undefined;
}

/**
 * The compose service that is the node: the one named after the node (as it is generated), else the only
 * service that builds Dockerfile.kicbase, else the only service. Never just "the first": a sidecar may come first.
 */
function nodeService(services: Record<string, { build?: string | { dockerfile?: string } }>, nodeName: string, composePath: string): string {
  const names = Object.keys(services);
  if (names.includes(nodeName)) return nodeName;
  const building = names.filter((name) => {
    const build = services[name]?.build;
    return typeof build === 'object' && build !== null && build.dockerfile === DOCKERFILE;
  });
  if (building.length === 1) return building[0];
  if (names.length === 1) return names[0];
  throw new Error(
    `${composePath}: cannot tell which service is the node (services: ${names.join(', ') || 'none'}). Name it "${nodeName}", or set the service option.`,
  );
}

/**
 * The engine an operation uses: its kind from `--engine`, else the node's record, else Docker; its address from the
 * command line's `--context`/`--dockerHost` if given, else the one the node records (`x-kubelet-node` in its compose
 * file, read by the core's readEngineRecord), else the user's current one. A record
 * of the wrong type throws UnreadableNodeFileError naming the file and line: never the default engine instead.
 */
export function engineOf(options: DockerConnectionOptions, compose: string | ParsedNodeYaml, composeFile: string = COMPOSE): DockerTarget {
  const given = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
  const kind = given(options.engine);
  const context = given(options.context);
  const host = given(options.dockerHost);
  // The record is read only for what the command line leaves open: a docker context is Docker's, so `--context`
  // alone (like `--engine` with `--dockerHost`) decides without it.
  const recorded = (kind || context) && (context || host) ? {} : readEngineRecord(compose, composeFile);
  const recordedKind = recorded.engine ?? 'docker';
  const engine = kind ? checkEngineKind(kind, '--engine') : context ? 'docker' : recordedKind;
  const target: DockerTarget = engine !== 'docker' ? { engine } : {};
  if (context || host) {
    if (context) checkDockerContext(context, '--context');
    if (host) checkAddressForEngine(engine, parseEngineAddress(host, '--dockerHost'), '--dockerHost');
    if (context && engine === 'podman') {
      throw new InvalidEngineAddressError(
        `--context is Docker's: a node on Podman takes --dockerHost (podman --url, a unix:// socket) or Podman's own default.`,
      );
    }
    return { ...target, context, host };
  }
  // A recorded address belongs to the recorded engine: another engine given with --engine is its default one (never
  // Docker at Podman's socket, or Podman at a Docker host).
  if (engine !== recordedKind) return { ...target, context: undefined, host: undefined };
  if (recorded.host)
    checkAddressForEngine(engine, parseEngineAddress(recorded.host, `${composeFile} x-kubelet-node.docker-host`), `${composeFile} x-kubelet-node.docker-host`);
  return { ...target, context: engine === 'podman' ? undefined : recorded.context, host: recorded.host };
}

/**
 * The compose file as the operations read it: a mapping (with services:), or an UnreadableNodeError naming the node,
 * the file, the line and the reason (never yaml's raw exception).
 */
function parseCompose(
  name: string,
  displayDir: string,
  composeFile: string,
  parsed: ParsedNodeYaml,
): { services?: Record<string, Record<string, unknown>> } & Record<string, unknown> {
  const { document, error } = parsed;
  const refuse = (reason: string) => new UnreadableNodeError(name, displayDir, [`${composeFile}${reason}`]);
  if (error) throw refuse(`:${error.line}: ${error.reason}`);
  const value = (document.toJS({ maxAliasCount: 1000 }) ?? {}) as unknown;
  if (typeof value !== 'object' || Array.isArray(value)) throw refuse(': is not a compose file (a mapping with services:)');
  const services = (value as { services?: unknown }).services;
  if (services !== undefined && services !== null && (typeof services !== 'object' || Array.isArray(services)))
    throw refuse(': services is not a mapping of services');
  return value as { services?: Record<string, Record<string, unknown>> };
}

/** `<name>-<first 8 hex digits of the SHA-256 of the folder's real path>`: stable for a folder, distinct between two. */
export function scopedProjectName(name: string, dir: string): string {
  return `${name}-${createHash('sha256')
    .update(realPath(resolve(dir)))
    .digest('hex')
    .slice(0, 8)}`;
}

/**
 * The node's compose project: its scoped name, unless the node's container was created under the plain name (the
 * compose file's `name:`, else the folder's name: by an earlier release, or by `docker compose` by hand in the
 * folder); then that one, so that `down` and `status` still find it. Both at once is refused: two containers of one
 * node would run on one Docker state. Also the node's container in that project ({@link findContainer}'s answer),
 * from the same single `docker ps` of the engine's compose containers: status needs no other query to find it.
 */
async function composeProjectOf(target: DockerTarget, name: string, dir: string, service: string): Promise<{ project: string; container?: NodeContainer }> {
  const scoped = scopedProjectName(name, dir);
  const folders = new Set([dir, realPath(dir)]);
  const listed = await listComposeContainers(target);
  const projects = new Set(listed.filter((row) => folders.has(row.workingDir)).map((row) => row.project));
  if (projects.has(name) && projects.has(scoped)) {
    throw new Error(
      `This node has containers in two compose projects: "${scoped}" (the operations') and "${name}" (from an earlier release or docker compose by hand). Keep one: ${formatCommand(['docker', 'compose', '-p', name, 'down'])} (or -p ${scoped}), then run the operation again.`,
    );
  }
  const project = projects.has(name) ? name : scoped;
  return { project, container: serviceContainer(listed, project, service) };
}

/** A container that Compose made, as {@link listComposeContainers} lists it. */
interface ComposeContainer extends NodeContainer {
  project: string;
  service: string;
  /** Compose's com.docker.compose.project.working_dir label: the folder the project was run in. */
  workingDir: string;
}

/**
 * Every container of the engine that Compose made (by its project label), with its project, service, working folder,
 * name, full ID and state: one `docker ps` answers both which project is the node's and which container is its own.
 * A failed query throws, saying why when the daemon is not reachable (the preflight check, folded into the operation's
 * first call), otherwise with the failure itself: which container is the node's cannot be told, never "it has none".
 */
async function listComposeContainers(target: DockerTarget): Promise<ComposeContainer[]> {
  // The working folder last: it is the only field that may hold any character (a tab too).
  const format = ['project', 'service'].map((label) => `{{.Label "com.docker.compose.${label}"}}`).join('\t');
  const result = await runDocker(
    target,
    [
      'ps',
      '--all',
      '--no-trunc',
      '--filter',
      'label=com.docker.compose.project',
      '--format',
      `${format}\t{{.Names}}\t{{.ID}}\t{{.State}}\t{{.Label "com.docker.compose.project.working_dir"}}`,
    ],
    { mode: 'capture' },
  );
  if (result.exitCode !== 0) {
    await daemonCheck(target);
    throw new DockerCommandError(result, 'docker ps');
  }
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [project, service, names, id, state, ...workingDir] = line.split('\t');
      return { project, service, name: (names ?? '').split(',')[0], id, state: state as ContainerState, workingDir: workingDir.join('\t') };
    })
    .filter((row) => row.id);
}

/**
 * The container of a compose project's service, as `docker compose ps --all --quiet <service>` gives it (its first
 * line): the service's containers, `docker compose run` ones too, ordered by name as Compose orders them.
 */
function serviceContainer(listed: ComposeContainer[], project: string, service: string): NodeContainer | undefined {
  const found = listed.filter((row) => row.project === project && row.service === service).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
  return found && { id: found.id, name: found.name, state: found.state };
}

function realPath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * Refuses to start a node whose compose file names its volumes globally (`name:`, as nodes before 0.4.0 have it)
 * when a container of another compose project holds one: another checkout of the same node would share its Docker
 * and kubelet state.
 */
export async function refuseSharedVolumes(node: NodeContext): Promise<void> {
  for (const volume of node.globalVolumes) {
    const users = await runDocker(
      node.target,
      ['ps', '--all', '--filter', `volume=${volume}`, '--format', '{{.Label "com.docker.compose.project"}} {{.Names}}'],
      { mode: 'capture' },
    );
    const others = users.stdout.split('\n').filter((line) => line && line.split(' ')[0] !== node.composeProject);
    if (others.length > 0) {
      throw new Error(
        `The volume "${volume}" (named in ${join(node.displayDir, node.composeFile)}) is used by ${others.map((line) => line.split(' ')[1]).join(', ')} of another compose project: another checkout of this node? Two nodes on one /var would corrupt it. Stop that one, or remove the "name: ${volume}" line under volumes: in ${node.composeFile} so that each checkout gets its own volume.`,
      );
    }
  }
}

export interface ComposeRunOptions extends RunOptions {
  /**
   * A compose document merged over the node's compose file for this one command (e.g. build labels), written to a
   * temporary folder outside the node's folder and removed afterwards: the user's files are never edited.
   */
  override?: Record<string, unknown>;
}

/** What the docker CLI says when it has no compose plugin (Docker 26: "'compose' is not a docker command"; 28+: "unknown command"). */
const COMPOSE_MISSING = /'compose' is not a docker command|unknown command:? "?(docker )?compose|looking up compose provider failed/;

/**
 * Runs a Compose subcommand for the node (in its folder, with its compose file, in its compose project). Unless the
 * operation looked for Compose already, it runs `docker compose` straight away (no `docker compose version` first, a
 * round trip of ~0.3-1 s); only when the docker CLI answers that it has no compose plugin does it look for Compose,
 * then runs the command with docker-compose v1, or throws the message that says how to install Compose.
 */
export async function runCompose(node: NodeContext, args: string[], options: ComposeRunOptions = {}): Promise<RunResult> {
  const { override, ...runOptions } = options;
  const lookup = node.composeLookup();
  const assumed = engineAdapter(node.target).composePrefix(node.target);
  const runWith = (prefix: string[], files: string[]) =>
    runCommand([...prefix, ...files.flatMap((file) => ['--file', file]), '--project-name', node.composeProject, ...args], {
      ...runOptions,
      cwd: node.dir,
      env: dockerEnv(node.target, runOptions.env),
    });
  const run = async (files: string[]) => {
    if (lookup) return runWith((await lookup).prefix, files);
    const result = await runWith(assumed, files);
    if (result.exitCode === 0 || result.interrupted || !COMPOSE_MISSING.test(result.tail)) return result;
    const { prefix } = await node.compose(); // docker-compose v1, or the message that says how to install Compose
    return prefix.join(' ') === assumed.join(' ') ? result : runWith(prefix, files);
  };
  if (!override) return run([node.composeFile]);
  const folder = mkdtempSync(join(tmpdir(), 'kubelet-node-compose-'));
  try {
    const file = join(folder, 'override.yaml');
    writeFileSync(file, JSON.stringify(override)); // JSON is YAML
    // The first file decides the project folder, so the node's compose file comes first.
    const result = await run([node.composeFile, file]);
    // Messages show a command the user can run again: without the temporary file, which is gone by then.
    return { ...result, argv: result.argv.filter((arg, index, argv) => arg !== file && !(arg === '--file' && argv[index + 1] === file)) };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The node's container ID, or undefined when it has not been created (asked anew: see NodeContext.containerAtLoad). */
export async function findContainer(node: NodeContext): Promise<string | undefined> {
  return (await currentContainer(node).catch(() => undefined))?.id;
}

/**
 * The node's container (ID, name, state) as the engine has it now; undefined when it has none. A query that failed is
 * an error that says why (the daemon not reachable, or the query's own), never "no container".
 */
export async function currentContainer(node: NodeContext): Promise<NodeContainer | undefined> {
  // What `docker compose ps --all --quiet <service>` gave, by Compose's labels, with no Compose process (~0.5 s).
  return serviceContainer(await listComposeContainers(node.target), node.composeProject, node.service);
}

/**
 * The node's container when it runs; otherwise an error that says how to start it. With `atLoad`, as the operation's
 * first query found it a moment ago (NodeContext.containerAtLoad: no docker command); else asked anew (a later apply
 * of `apply --watch`: the node may have been restarted meanwhile).
 */
export async function runningContainer(node: NodeContext, { atLoad = false }: { atLoad?: boolean } = {}): Promise<string> {
  const container = atLoad ? node.containerAtLoad : await currentContainer(node);
  if (!container) throw new Error(`${node.name} is not running (it has no container). Start it: ${node.command('up')}`);
  if (container.state !== 'running') throw new Error(`${node.name} is not running (its container is ${container.state}). Start it: ${node.command('up')}`);
  return container.id;
}

/** A kubelet endpoint as seen from inside the node: /healthz, the read-only API's /pods, the main API's /configz. */
export function kubeletUrl(node: Pick<NodeContext, 'kubelet'>, endpoint: 'healthz' | 'pods' | 'configz'): string {
  const { kubelet } = node;
  if (endpoint === 'healthz') return `http://${reachable(kubelet.healthzBindAddress ?? '127.0.0.1')}:${kubelet.healthzPort}/healthz`;
  if (endpoint === 'pods') return `http://${reachable(kubelet.address)}:${kubelet.readOnlyPort}/pods`;
  return `https://${reachable(kubelet.address)}:${kubelet.port}/configz`;
}

/** A listen address as a URL host: the unspecified address (all interfaces) is reached on loopback. */
function reachable(address: string | undefined): string {
  const host = address?.trim();
  if (!host || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The node's manifests/ folder on this machine: where it is, and its manifests, read anew on every call. */
export interface NodeManifests {
  dir: string;
  /** The folder as messages show it (`<displayDir>/manifests`). */
  shown: string;
  exists(): boolean;
  /** Every manifest of the folder, checked (a {@link ManifestError} names the first problem); see readManifestFolder. */
  read(): StaticPod[];
}

/** The node's manifests/ folder (apply --watch reads it again on every change). */
export function nodeManifests(node: Pick<NodeContext, 'dir' | 'displayDir'>): NodeManifests {
  const dir = join(node.dir, MANIFESTS_DIR);
  const shown = join(node.displayDir, MANIFESTS_DIR);
  return { dir, shown, exists: () => existsSync(dir), read: () => readManifestFolder(dir, shown) };
}

/** Which of `binaries` the node's bin/ folder lacks, or has without the executable bit. */
export function missingLocalBinaries(node: Pick<NodeContext, 'dir'>, binaries: string[]): string[] {
  return binaries.filter((binary) => {
    try {
      accessSync(join(node.dir, BIN_DIR, binary), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/** The node's bin/ folder (BINARY_SOURCE=local). */
export function binFolder(node: Pick<NodeContext, 'dir'>): string {
  return join(node.dir, BIN_DIR);
}

const nodeNames = new WeakMap<object, Map<string, Promise<string>>>();

/**
 * The node's name as the kubelet has it, which names its static pods `<pod>-<node name>`: the kubelet unit's
 * `--hostname-override` when it names one literally, else the container's hostname (the generated unit's `%H`; the
 * compose file's `hostname:` is only what it was created with, if it says anything), lower-cased as the kubelet does.
 * Asked once per container.
 */
export function nodeName(node: Pick<NodeContext, 'target' | 'kubelet'>, id: string, hostname?: string): Promise<string> {
  if (node.kubelet?.hostnameOverride) return Promise.resolve(node.kubelet.hostnameOverride.toLowerCase());
  let byContainer = nodeNames.get(node);
  if (!byContainer) nodeNames.set(node, (byContainer = new Map()));
  let name = byContainer.get(id);
  if (!name) {
    // The container's hostname as an exec that asked more already read it, else asked with one of its own.
    name = (hostname !== undefined ? Promise.resolve(hostname) : captureDocker(node.target, ['exec', id, 'hostname'])).then((found) =>
      found.trim().toLowerCase(),
    );
    byContainer.set(id, name);
    name.catch(() => byContainer!.delete(id));
  }
  return name;
}
