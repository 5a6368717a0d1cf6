/**
 * What every executor needs to know about the node it runs for, read from the node's own files: its folder, compose
 * file and service, how docker is reached, and the kubelet's ports (from kubelet.yaml).
 */
import type { ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readComposeBuildArgs } from '../../lib/locators';
import { composeFileOf } from '../../lib/managed-facts';
import { DOCKERFILE } from '../../lib/node-files';
import { DockerTarget, dockerEnv, runCommand, RunOptions, RunResult } from './docker-cli';
import { ComposeCommand, preflight } from './preflight';

/** Options every nx-kubelet executor accepts. */
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

export interface NodeContext {
  projectName: string;
  dir: string;
  composeFile: string;
  service: string;
  target: DockerTarget;
  compose: ComposeCommand;
  /** The image the compose service names (`image:`), if it names one. */
  image?: string;
  /** Build args of the service in the compose file (versions, BINARY_SOURCE). */
  buildArgs: Record<string, string>;
  kubelet: { healthzPort: number; readOnlyPort: number };
}

/** Resolves the node of `context.projectName` and runs the docker preflight checks. */
export async function loadNode(options: DockerConnectionOptions, context: ExecutorContext): Promise<NodeContext> {
  const projectName = context.projectName;
  const project = projectName ? context.projectsConfigurations?.projects[projectName] : undefined;
  if (!projectName || !project) throw new Error('nx-kubelet executors run for a project: use `nx run <node>:<target>`.');
  const dir = join(context.root, project.root);
  const composeFile = options.composeFile ?? composeFileOf((path) => existsSync(join(dir, path)));
  const composePath = join(dir, composeFile);
  if (!existsSync(composePath)) {
    throw new Error(`${join(project.root, composeFile)} does not exist. Is "${projectName}" a kubelet node (nx g nx-kubelet:kubelet-node)? Set the composeFile option otherwise.`);
  }
  const composeText = readFileSync(composePath, 'utf8');
  const composeDocument = parse(composeText) ?? {};
  const service = options.service ?? nodeService(composeDocument.services ?? {}, projectName, join(project.root, composeFile));
  if (!(service in (composeDocument.services ?? {}))) {
    throw new Error(`${join(project.root, composeFile)} has no service "${service}" (services: ${Object.keys(composeDocument.services ?? {}).join(', ') || 'none'}).`);
  }
  const target: DockerTarget = { context: options.context, host: options.dockerHost };
  const { compose } = await preflight(target);
  return {
    projectName,
    dir,
    composeFile,
    service,
    target,
    compose,
    image: typeof composeDocument.services[service]?.image === 'string' ? composeDocument.services[service].image : undefined,
    buildArgs: readComposeBuildArgs(composeText, service),
    kubelet: readKubeletPorts(join(dir, 'kubelet.yaml')),
  };
}

/**
 * The compose service that is the node: the one named after the project (as nx-kubelet generates it), else the only
 * service that builds Dockerfile.kicbase, else the only service. Never just "the first": a sidecar may come first.
 */
function nodeService(services: Record<string, { build?: string | { dockerfile?: string } }>, projectName: string, composePath: string): string {
  const names = Object.keys(services);
  if (names.includes(projectName)) return projectName;
  const building = names.filter((name) => {
    const build = services[name]?.build;
    return typeof build === 'object' && build !== null && build.dockerfile === DOCKERFILE;
  });
  if (building.length === 1) return building[0];
  if (names.length === 1) return names[0];
  throw new Error(
    `${composePath}: cannot tell which service is the node (services: ${names.join(', ') || 'none'}). Name it "${projectName}", or set the service option.`,
  );
}

/** Runs a Compose subcommand for the node (in its folder, with its compose file). */
export function runCompose(node: NodeContext, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runCommand([...node.compose.prefix, '--file', node.composeFile, ...args], {
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
