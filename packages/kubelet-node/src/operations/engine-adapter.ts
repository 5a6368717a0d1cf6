/**
 * The engine adapter: what differs between the container engines a node can run on (docker, podman), in one place.
 * docker-cli.ts asks it for the argv and environment of every command, node-context.ts for the Compose command and
 * the words of its messages, and the operations for the few things only one engine needs (how the image is built, the
 * healthcheck Podman cannot run by itself). Operations keep asking in Docker's terms (`docker image inspect --format
 * '{{.Id}} …'`); the adapter says it in the engine's own. Each difference was measured on rootful Podman 5.4 with
 * no systemd and cgroup v1 (tools/podman-engine, generators/tests/engine-podman.test.ts); what a user sees of them is
 * in a Podman node's README ("On Podman", templates/node/README.md.ejs).
 */
import type { EngineKind } from '../core/engine-address';
import type { DockerTarget } from './docker-cli';

/** How the node's image is built on an engine, with Compose's tag, labels and build args. */
export interface BuildRequest {
  /** The build context folder and the Dockerfile (absolute). */
  context: string;
  dockerfile: string;
  /** The image Compose would tag (the service's `image:`). */
  image: string;
  args: Record<string, string>;
  labels: Record<string, string>;
  /** The build's target stage (`build.target`), if any. */
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  platform?: string;
}

export interface EngineAdapter {
  readonly kind: EngineKind;
  /** The engine's name in messages: Docker, Podman. */
  readonly name: string;
  /** The CLI, e.g. for commands that messages suggest. */
  readonly cli: string;
  /** The full argv of a CLI command: the CLI, its global options, then the command in the engine's own terms. */
  argv(target: DockerTarget, args: string[]): string[];
  /** The environment the CLI runs with: ours plus what the target needs (DOCKER_HOST). */
  env(target: DockerTarget, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** The argv Compose subcommands follow: `docker [--context x] compose`, `podman [--url u] compose`. */
  composePrefix(target: DockerTarget): string[];
  /** What to install when Compose does not run. */
  readonly composeMissing: string;
  /** What to do when the engine does not answer. */
  readonly unreachableHint: string;
  /**
   * The name an image of this engine's store has in its `save` archive when that is not the name asked for, or
   * undefined. Podman names a local image without a registry `localhost/<name>` (`podman build -t app:1` makes
   * localhost/app:1), and saves it so: the node's dockerd would then have localhost/app:1, not the app:1 a manifest names.
   */
  archiveName(image: string): string | undefined;
  /** True when `image inspect`'s stderr says that `name` is not there. */
  missingImage(stderr: string, name: string): boolean;
  /** True when Compose builds the node's image; false: {@link buildArgv} does. */
  readonly composeBuilds: boolean;
  /**
   * The argv that builds the node's image without Compose, or undefined: Compose builds it (Docker: BuildKit, which
   * the Dockerfile's `RUN --mount=type=cache` needs). Podman's Docker-compatible API has no BuildKit, so the image is
   * built by `podman build` (buildah: cache mounts, unused stages skipped), with the same tag, labels and args.
   */
  buildArgv(target: DockerTarget, request: BuildRequest): string[] | undefined;
  /**
   * The argv that runs the container's healthcheck now, or undefined when the engine runs it on its own. Podman runs
   * healthchecks from systemd timers: with no systemd on the host they never run, and `podman ps` says "starting".
   */
  healthcheckNow(target: DockerTarget, container: string): string[] | undefined;
}

const docker: EngineAdapter = {
  kind: 'docker',
  name: 'Docker',
  cli: 'docker',
  argv: (target, args) => [target.command ?? 'docker', ...(target.context ? ['--context', target.context] : []), ...args],
  env: (target, extra = {}) => ({ ...process.env, ...(target.host ? { DOCKER_HOST: target.host } : {}), ...extra }),
  composePrefix: (target) => docker.argv(target, ['compose']),
  composeMissing:
    'Docker Compose is missing: neither `docker compose` (v2) nor `docker-compose` (v1) runs. Install the Compose v2 plugin (package docker-compose-plugin from Docker, or docker-compose on Debian 13), see https://docs.docker.com/compose/install/linux/.',
  unreachableHint:
    'Start it (e.g. `sudo systemctl start docker`, or tools/docker-engine/start.sh in the nx-kubelet repository), or point the node at a running one with DOCKER_HOST or the --context or --dockerHost option.',
  missingImage: (stderr, name) => stderr.includes(`No such image: ${name}\n`) || stderr.endsWith(`No such image: ${name}`),
  archiveName: () => undefined,
  composeBuilds: true,
  buildArgv: () => undefined,
  healthcheckNow: () => undefined,
};

/** Go's RFC 3339 with nanoseconds, in UTC: what Docker prints for times that Podman's templates print as time.Time. */
const RFC3339 = '{{.$1.UTC.Format "2006-01-02T15:04:05.999999999Z07:00"}}';

/**
 * Docker's --format templates in Podman's terms, by the command they belong to. Podman's image ID has no `sha256:`
 * prefix, and its times are Go time values (Docker's are RFC 3339 strings); `.Label "x"`, `.State`, `.Names`,
 * `.Config.Labels`, `.RootFS.Layers`, `.State.Status` and `.Name` (without Docker's leading slash) are the same.
 */
function podmanFormat(command: 'image' | 'container', format: string): string {
  if (command === 'image') return format.replace(/\{\{\.Id\}\}/g, 'sha256:{{.Id}}').replace(/\{\{\.(Created)\}\}/g, RFC3339);
  return format.replace(/\{\{\.(State\.StartedAt|Created)\}\}/g, RFC3339);
}

/**
 * A docker command in Podman's terms. Only the command's own arguments change, never what `exec` runs in the node.
 */
function podmanArgs(args: string[]): string[] {
  const [first, second] = args;
  // `docker version` asks the daemon; a local podman has no server part: `podman info` reaches the engine.
  if (first === 'version' && args.includes('{{.Server.Version}}')) return ['info', '--format', '{{.Version.Version}}'];
  // More than one image in one docker-archive needs -m (otherwise the other names would be tags of the first).
  if (first === 'save' && args.filter((arg) => !arg.startsWith('-')).length > 2) return ['save', '--multi-image-archive', ...args.slice(1)];
  const kind = first === 'image' && second === 'inspect' ? 'image' : first === 'inspect' ? 'container' : undefined;
  if (!kind) return args;
  return args.map((arg, index) => (index > 0 && (args[index - 1] === '--format' || args[index - 1] === '-f') ? podmanFormat(kind, arg) : arg));
}

const podman: EngineAdapter = {
  kind: 'podman',
  name: 'Podman',
  cli: 'podman',
  // A remote Podman (--dockerHost, recorded as docker-host) is podman --url; the local one is podman itself.
  argv: (target, args) => [target.command ?? 'podman', ...(target.host ? ['--url', target.host] : []), ...podmanArgs(args)],
  // Podman 5 warns on every command on a cgroup v1 host, and `podman compose` on every call that it runs an external
  // provider: lines that would end up in messages and parsed output. The user's own settings win.
  env: (_target, extra = {}) => ({ PODMAN_IGNORE_CGROUPSV1_WARNING: '1', PODMAN_COMPOSE_WARNING_LOGS: 'false', ...process.env, ...extra }),
  composePrefix: (target) => [target.command ?? 'podman', ...(target.host ? ['--url', target.host] : []), 'compose'],
  composeMissing:
    "`podman compose` does not run: it needs a compose provider (docker-compose v2, package docker-compose on Debian 13 and Fedora) and Podman's API socket (rootful: `sudo systemctl enable --now podman.socket`, or `podman system service --time=0 unix:///run/podman/podman.sock`).",
  unreachableHint:
    'Check that podman runs as root here (`sudo podman info`; a node on Podman is rootful, as minikube runs it), or tools/podman-engine/start.sh in the nx-kubelet repository, or point the node at another Podman with --dockerHost.',
  // Anchored: `nx/app:1: image not known` says nothing of app:1.
  missingImage: (stderr, name) => new RegExp(`(^|\\s)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: image not known`, 'm').test(stderr),
  archiveName: (image) => (hasRegistry(image) ? undefined : `localhost/${image}`),
  composeBuilds: false,
  buildArgv: (target, request) =>
    podman.argv(target, [
      'build',
      '--file',
      request.dockerfile,
      '--tag',
      request.image,
      ...Object.entries(request.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
      ...Object.entries(request.args).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]),
      ...(request.target ? ['--target', request.target] : []),
      ...(request.noCache ? ['--no-cache'] : []),
      ...(request.pull ? ['--pull=always'] : []),
      ...(request.platform ? ['--platform', request.platform] : []),
      // BuildKit's default: the stages the target does not need are not built (buildah's default too; said here).
      '--skip-unused-stages=true',
      request.context,
    ]),
  healthcheckNow: (target, container) => podman.argv(target, ['healthcheck', 'run', container]),
};

/** True when an image reference starts with a registry (Docker's rule: its first part has a dot or a colon, or is localhost). */
function hasRegistry(image: string): boolean {
  const slash = image.indexOf('/');
  if (slash < 0) return false;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/** The adapter of a target's engine (Docker unless it says podman). */
export function engineAdapter(target: Pick<DockerTarget, 'engine'>): EngineAdapter {
  return target.engine === 'podman' ? podman : docker;
}
