/** Building a node's image: shared by the build executor and `up --build`. */
import { join, relative } from 'node:path';
import { interpolateComposeValue } from '../core/upgrade-node';
import { BINARY_SOURCES } from '../core/node-model';
import { DockerCommandError } from './docker-cli';
import { binFolder, missingLocalBinaries, NodeContext, NodeDescription, runCompose } from './node-context';

export interface BuildOptions {
  /** Build without the layer cache (`--no-cache`). */
  noCache?: boolean;
  /** Always pull newer base images (`--pull`). */
  pull?: boolean;
  /** Target platform, e.g. linux/arm64 (DOCKER_DEFAULT_PLATFORM). @default the daemon's */
  platform?: string;
  /** Extra or overriding build args (e.g. KUBE_VERSION_GO). */
  buildArgs?: Record<string, string>;
}

const LOCAL_BINARIES = ['kubelet', 'cri-dockerd'];

/** The compose build arguments for the options: `--no-cache`, `--pull`, `--build-arg K=V`…, then the service. */
export function composeBuildArgs(service: string, options: BuildOptions): string[] {
  return [
    'build',
    ...(options.noCache ? ['--no-cache'] : []),
    ...(options.pull ? ['--pull'] : []),
    ...Object.entries(options.buildArgs ?? {}).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]),
    service,
  ];
}

/** Where the binaries come from for this build: build args > compose args > the Dockerfile's ARG default. */
export function binarySourceOf(node: Pick<NodeDescription, 'buildArgs' | 'dockerfileBinarySource'>, options: BuildOptions): string {
  return options.buildArgs?.BINARY_SOURCE ?? interpolateComposeValue(node.buildArgs.BINARY_SOURCE, process.env) ?? node.dockerfileBinarySource ?? 'source';
}

/** Fails before docker runs when BINARY_SOURCE=local and a binary is missing from the node's bin/ folder. */
export function assertLocalBinaries(node: Pick<NodeDescription, 'dir'>, workspaceRoot: string): void {
  const missing = missingLocalBinaries(node, LOCAL_BINARIES);
  if (missing.length > 0) {
    const where = relative(workspaceRoot, binFolder(node));
    throw new Error(
      `BINARY_SOURCE=local, but ${missing.map((binary) => `${where}/${binary}`).join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing or not executable. ` +
        `Put the linux binaries there (chmod +x), or build with BINARY_SOURCE=source or release (compose.yaml build args).`,
    );
  }
}

/** Before docker (and again before a build): the binaries' source is known, and BINARY_SOURCE=local has its binaries. */
export function checkBuild(node: NodeDescription, options: BuildOptions): void {
  const binarySource = binarySourceOf(node, options);
  // An unknown value would make BuildKit look for an image "binaries-<value>" on Docker Hub: say it plainly instead.
  if (!(BINARY_SOURCES as readonly string[]).includes(binarySource)) {
    throw new Error(
      `BINARY_SOURCE=${JSON.stringify(binarySource)} is not one of ${BINARY_SOURCES.join(', ')} (compose.yaml build args, or --buildArgs.BINARY_SOURCE).`,
    );
  }
  if (binarySource === 'local') assertLocalBinaries(node, node.workspaceRoot);
}

/** Builds the node's image with Compose, streaming the output; throws with the exit code when the build fails. */
export async function buildNode(node: NodeContext, options: BuildOptions): Promise<void> {
  checkBuild(node, options);
  const env = options.platform ? { DOCKER_DEFAULT_PLATFORM: options.platform } : {};
  const result = await runCompose(node, composeBuildArgs(node.service, options), { env });
  if (result.exitCode !== 0) throw new DockerCommandError(result, 'docker compose build');
}
