/** The real Docker engine the executor tests drive, and checks that nothing of a node is left behind. */
import { spawnSync } from 'node:child_process';
import { run } from './validators';
import { REPO_ROOT } from './workspace';

export const STAND_IN_BINARIES = `${REPO_ROOT}/tools/images/stand-in-binaries`;
/**
 * The local kicbase stand-in (tools/images/build-stand-ins.sh), under the project's own name so that it never shadows
 * the real gcr.io/k8s-minikube/kicbase image: every test that builds a node generates it with {@link KICBASE_FLAG}.
 */
export const KICBASE_STAND_IN = 'nx-kubelet/kicbase-stand-in:v0.0.47';
export const KICBASE_FLAG = `--kicbaseImage=${KICBASE_STAND_IN}`;
/**
 * The kicbase-like stand-in (tools/images/build-kicbase-like.sh) for kicbase v0.0.50: systemd on Debian bookworm,
 * Docker 28.5 with Docker 29's API floor (1.44) and containerd 2, behind an entrypoint that does what kicbase's does.
 * The conformance tests run their real kubelets on it, generated with {@link KICBASE_LIKE_FLAGS}.
 */
export const KICBASE_LIKE_VERSION = 'v0.0.50';
export const KICBASE_LIKE = `nx-kubelet/kicbase-like:${KICBASE_LIKE_VERSION}`;
export const KICBASE_LIKE_FLAGS = [`--kicbaseVersion=${KICBASE_LIKE_VERSION}`, `--kicbaseImage=${KICBASE_LIKE}`];

/** Fails (never skips) when the kicbase-like stand-in is missing, saying how to build it. */
export function requireKicbaseLike(): void {
  const image = spawnSync('docker', ['image', 'inspect', KICBASE_LIKE], { encoding: 'utf8' });
  if (image.status !== 0) {
    throw new Error(
      `The kicbase-like stand-in ${KICBASE_LIKE} is missing. Build it with tools/images/build-stand-ins.sh (or tools/images/build-kicbase-like.sh).`,
    );
  }
}

/**
 * Fails (never skips) when the engine or the stand-in base image is missing, saying how to provide them.
 * In CI, .ci/run starts the engine and builds the images before the tests.
 */
export function requireEngine(): void {
  const version = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(
      `A running Docker engine is required for these tests (${(version.error?.message ?? version.stderr).trim()}). Start one with tools/docker-engine/start.sh.`,
    );
  }
  const image = spawnSync('docker', ['image', 'inspect', KICBASE_STAND_IN], { encoding: 'utf8' });
  if (image.status !== 0) {
    throw new Error(`The local kicbase stand-in ${KICBASE_STAND_IN} is missing. Build it with tools/images/build-stand-ins.sh.`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeLeftovers = require('../../../tools/docker-engine/leftovers');

type Leftovers = { containers: string[]; volumes: string[]; networks: string[] };

/** True for a node's compose project: its name, or the name scoped to a folder (`<name>-<8 hex>`, see scopedProjectName). */
export const isNodeProject: (node: string, project: string) => boolean = nodeLeftovers.isNodeProject;

/** Containers, volumes and networks of a node's compose projects, on one engine (all empty once it is down --volumes). */
export function leftovers(node: string): Leftovers {
  return nodeLeftovers.leftovers(node);
}

/**
 * Removes whatever a test left of a node's compose projects, and its images: the tagged ones and the untagged ones a
 * rebuild left behind (compose labels the images it builds with the project). Throws when something stays.
 */
export function removeProject(node: string): void {
  const left: Leftovers = nodeLeftovers.removeNode(node);
  if (!nodeLeftovers.nothingLeft(left)) throw new Error(`could not remove what the test left of ${node}: ${JSON.stringify(left)}`);
}

/** The ID of a node's container (its compose service is named after it), or '' when there is none. */
export function nodeContainer(node: string): string {
  return (
    run('docker', ['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.service=${node}`])
      .stdout.trim()
      .split('\n')[0] ?? ''
  );
}
