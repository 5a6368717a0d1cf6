/**
 * What every executor needs to know about the node it runs for, read from the node's own files: its folder, compose
 * file and service, how docker is reached, and the kubelet's ports (from kubelet.yaml).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { readComposeBuildArgs } from '../core/locators';
import { composeFileOf } from '../core/node-files';
import { DOCKERFILE, ENGINE_KEY } from '../core/node-files';
import { describeEngine, DockerTarget, dockerEnv, runCommand, runDocker, RunOptions, RunResult } from './docker-cli';
import { ComposeCommand, preflight } from './preflight';

/** Options every node operation accepts (the Nx executors', the projen tasks' and the CLI's). */
export interface DockerConnectionOptions {
  /** Compose file, relative to the node's folder. @default compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml, whichever exists */
  composeFile?: string;
  /** Compose service of the node. @default the service named after the project, else the one that builds Dockerfile.kicbase */
  service?: string;
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
}

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
  target: DockerTarget;
  /** The engine as messages name it: `docker context "edge-a"`, `DOCKER_HOST=ssh://…` or `the default engine`. */
  engine: string;
  compose: ComposeCommand;
  /** The image the compose service names (`image:`), if it names one. */
  image?: string;
  /** Build args of the service in the compose file (versions, BINARY_SOURCE). */
  buildArgs: Record<string, string>;
  /** Volumes the compose file names globally (`name:`, as nodes before 0.4.0 have it): shared by every checkout. */
  globalVolumes: string[];
  kubelet: { healthzPort: number; readOnlyPort: number };
}

/** Reads the node's compose file and kubelet.yaml, and runs the docker preflight checks. */
export async function loadNode(ref: NodeRef, options: DockerConnectionOptions): Promise<NodeContext> {
  const dir = resolve(ref.dir);
  const displayDir = ref.displayDir ?? ref.dir;
  if (!existsSync(dir)) throw new Error(`${displayDir}: no such folder.`);
  const composeFile = options.composeFile ?? composeFileOf((path) => existsSync(join(dir, path)));
  const composePath = join(dir, composeFile);
  if (!existsSync(composePath)) {
    throw new Error(`${join(displayDir, composeFile)} does not exist. Is ${displayDir} a kubelet node? Set the composeFile option otherwise.`);
  }
  const composeText = readFileSync(composePath, 'utf8');
  const composeDocument = parse(composeText) ?? {};
  const service = options.service ?? nodeService(composeDocument.services ?? {}, ref.name, join(displayDir, composeFile));
  if (!(service in (composeDocument.services ?? {}))) {
    throw new Error(`${join(displayDir, composeFile)} has no service "${service}" (services: ${Object.keys(composeDocument.services ?? {}).join(', ') || 'none'}).`);
  }
  const target = engineOf(options, composeDocument);
  const { compose } = await preflight(target);
  const composeProject = await composeProjectOf(target, composeDocument, dir);
  return {
    name: ref.name,
    dir,
    displayDir,
    workspaceRoot: resolve(ref.workspaceRoot ?? '.'),
    command: ref.command,
    composeFile,
    service,
    composeProject,
    target,
    engine: describeEngine(target),
    compose,
    image: typeof composeDocument.services[service]?.image === 'string' ? composeDocument.services[service].image : undefined,
    buildArgs: readComposeBuildArgs(composeText, service),
    globalVolumes: Object.values((composeDocument.volumes ?? {}) as Record<string, { name?: unknown } | null>)
      .map((volume) => (typeof volume?.name === 'string' ? volume.name : undefined))
      .filter((volume): volume is string => volume !== undefined && !volume.includes('$')),
    kubelet: readKubeletPorts(join(dir, 'kubelet.yaml')),
  };
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
 * The engine an operation uses: the command line's `--context`/`--dockerHost` if given, else the one the node records
 * (`x-kubelet-node` in its compose file), else the user's current one.
 */
export function engineOf(options: DockerConnectionOptions, composeDocument: Record<string, unknown>): DockerTarget {
  if (options.context || options.dockerHost) return { context: options.context, host: options.dockerHost };
  const recorded = (composeDocument[ENGINE_KEY] ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
  return { context: text(recorded['docker-context']), host: text(recorded['docker-host']) };
}

/** `<name>-<first 8 hex digits of the SHA-256 of the folder's real path>`: stable for a folder, distinct between two. */
export function scopedProjectName(name: string, dir: string): string {
  return `${name}-${createHash('sha256').update(realPath(resolve(dir))).digest('hex').slice(0, 8)}`;
}

/**
 * The node's compose project: its scoped name, unless the node's container was created under the plain name (the
 * compose file's `name:`, else the folder's name: by an earlier release, or by `docker compose` by hand in the
 * folder); then that one, so that `down` and `status` still find it. Both at once is refused: two containers of one
 * node would run on one Docker state.
 */
async function composeProjectOf(target: DockerTarget, composeDocument: Record<string, unknown>, dir: string): Promise<string> {
  const name = typeof composeDocument.name === 'string' && composeDocument.name.trim() ? composeDocument.name.trim() : basename(dir);
  const scoped = scopedProjectName(name, dir);
  const folders = [...new Set([dir, realPath(dir)])];
  const listed = await Promise.all(
    folders.map((folder) =>
      runDocker(target, ['ps', '--all', '--filter', `label=com.docker.compose.project.working_dir=${folder}`, '--format', '{{.Label "com.docker.compose.project"}}'], { mode: 'capture' }),
    ),
  );
  const projects = new Set(listed.flatMap((result) => (result.exitCode === 0 ? result.stdout.split('\n').filter(Boolean) : [])));
  if (projects.has(name) && projects.has(scoped)) {
    throw new Error(
      `This node has containers in two compose projects: "${scoped}" (the operations') and "${name}" (from an earlier release or docker compose by hand). Keep one: docker compose -p ${name} down (or -p ${scoped}), then run the operation again.`,
    );
  }
  return projects.has(name) ? name : scoped;
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
    const users = await runDocker(node.target, ['ps', '--all', '--filter', `volume=${volume}`, '--format', '{{.Label "com.docker.compose.project"}} {{.Names}}'], { mode: 'capture' });
    const others = users.stdout.split('\n').filter((line) => line && line.split(' ')[0] !== node.composeProject);
    if (others.length > 0) {
      throw new Error(
        `The volume "${volume}" (named in ${join(node.displayDir, node.composeFile)}) is used by ${others.map((line) => line.split(' ')[1]).join(', ')} of another compose project: another checkout of this node? Two nodes on one /var would corrupt it. Stop that one, or remove the "name: ${volume}" line under volumes: in ${node.composeFile} so that each checkout gets its own volume.`,
      );
    }
  }
}

/** Runs a Compose subcommand for the node (in its folder, with its compose file, in its compose project). */
export function runCompose(node: NodeContext, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runCommand([...node.compose.prefix, '--file', node.composeFile, '--project-name', node.composeProject, ...args], {
    ...options,
    cwd: node.dir,
    env: dockerEnv(node.target, options.env),
  });
}

/** The node's container ID, or undefined when it has not been created. */
export async function findContainer(node: NodeContext): Promise<string | undefined> {
  const result = await runCompose(node, ['ps', '--all', '--quiet', node.service], { mode: 'capture' });
  return result.exitCode === 0 ? result.stdout.trim().split('\n')[0] || undefined : undefined;
}

/** The kubelet's health and read-only ports from kubelet.yaml, with the kubelet's defaults when unset. */
function readKubeletPorts(path: string): NodeContext['kubelet'] {
  const config = existsSync(path) ? parse(readFileSync(path, 'utf8')) ?? {} : {};
  return { healthzPort: Number(config.healthzPort ?? 10248), readOnlyPort: Number(config.readOnlyPort ?? 0) };
}
