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

/** True for a node's compose project: its name, or the name scoped to a folder (`<name>-<8 hex>`, see scopedProjectName). */
export function isNodeProject(node: string, project: string): boolean {
  return project === node || new RegExp(`^${node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{8}$`).test(project);
}

/** `<id> <compose project>` lines of a docker listing, filtered to a node's compose projects: the ids. */
function ofNode(node: string, args: string[], format: string): string[] {
  return run('docker', [...args, '--filter', 'label=com.docker.compose.project', '--format', `${format} {{.Label "com.docker.compose.project"}}`])
    .stdout.split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '))
    .filter(([, project]) => project !== undefined && isNodeProject(node, project))
    .map(([id]) => id);
}

/** Containers, volumes and networks of a node's compose projects, on one engine (all empty once it is down --volumes). */
export function leftovers(node: string): { containers: string[]; volumes: string[]; networks: string[] } {
  const legacyVolumes = run('docker', ['volume', 'ls', '--quiet', '--filter', `name=^${node}-var$`])
    .stdout.split('\n')
    .filter(Boolean);
  return {
    containers: ofNode(node, ['ps', '--all'], '{{.ID}}'),
    volumes: [...new Set([...ofNode(node, ['volume', 'ls'], '{{.Name}}'), ...legacyVolumes])],
    networks: ofNode(node, ['network', 'ls'], '{{.ID}}'),
  };
}

/**
 * Removes whatever a test left of a node's compose projects, and its images: the tagged ones and the untagged ones a
 * rebuild left behind (compose labels the images it builds with the project).
 */
export function removeProject(node: string): void {
  const { containers, volumes, networks } = leftovers(node);
  if (containers.length) run('docker', ['rm', '--force', '--volumes', ...containers]);
  if (volumes.length) run('docker', ['volume', 'rm', '--force', ...volumes]);
  if (networks.length) run('docker', ['network', 'rm', ...networks]);
  const tagged = run('docker', ['image', 'ls', '--quiet', `nx-kubelet-${node}`])
    .stdout.split('\n')
    .filter(Boolean);
  const images = [...new Set([...tagged, ...ofNode(node, ['image', 'ls'], '{{.ID}}')])];
  if (images.length) run('docker', ['image', 'rm', '--force', ...images]);
}

/** The ID of a node's container (its compose service is named after it), or '' when there is none. */
export function nodeContainer(node: string): string {
  return (
    run('docker', ['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.service=${node}`])
      .stdout.trim()
      .split('\n')[0] ?? ''
  );
}
