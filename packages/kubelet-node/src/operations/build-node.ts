/** Building a node's image: shared by the build executor and `up --build`. */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { interpolateComposeValue } from '../core/upgrade-node';
import { BINARY_SOURCES } from '../core/node-model';
import { dockerfileSources, imageInputsHash, INPUTS_LABEL } from '../core/image-inputs';
import { DockerCommandError, runCommand, runDocker } from './docker-cli';
import { engineAdapter } from './engine-adapter';
import { log } from './log';
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
  /** Build even when the image's inputs are unchanged since it was built. */
  force?: boolean;
}

/** The options that say how the image is built (build's, and up's for the build it runs first). */
export const BUILD_OPTION_NAMES = ['noCache', 'pull', 'platform', 'buildArgs', 'force'] as const satisfies readonly (keyof BuildOptions)[];

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

/**
 * Builds the node's image with Compose, streaming the output; throws with the exit code when the build fails. One
 * build of an image at a time on an engine ({@link buildLock}): `nx run-many -t build,up` runs a node's build and up
 * tasks at once, and both bring the image up to date; the second then finds it up to date instead of building it again
 * (which the containerd image store refuses: "image … already exists").
 */
export async function buildNode(node: NodeContext, options: BuildOptions): Promise<void> {
  checkBuild(node, options);
  const release = await buildLock(node);
  try {
    await buildUnlocked(node, options);
  } finally {
    release();
  }
}

async function buildUnlocked(node: NodeContext, options: BuildOptions): Promise<void> {
  const state = await imageState(node, options);
  if (state.upToDate) {
    log.info(`${node.name}: image ${node.image} is up to date (inputs unchanged since it was built); nothing to build (--force builds anyway).`);
    return;
  }
  if (state.unknown) log.info(`${node.name}: building, since whether image ${node.image} is up to date cannot be told: ${state.unknown}.`);
  const adapter = engineAdapter(node.target);
  if (!adapter.composeBuilds) {
    await buildWithoutCompose(node, options, state.hash);
    return;
  }
  const env = options.platform ? { DOCKER_DEFAULT_PLATFORM: options.platform } : {};
  // The hash goes onto the image as a label, through a compose override of this command only (never the user's file).
  const override = state.hash ? { services: { [node.service]: { build: { labels: { [INPUTS_LABEL]: state.hash } } } } } : undefined;
  const result = await runCompose(node, composeBuildArgs(node.service, options), { env, override });
  if (result.exitCode !== 0) throw new DockerCommandError(result, 'docker compose build');
}

/**
 * The build on an engine whose Compose cannot build the node's Dockerfile (Podman: its Docker-compatible API has no
 * BuildKit, the `source` stages' `RUN --mount=type=cache` needs buildah): the engine's own build, with what Compose
 * would give it (the service's context, Dockerfile, args, labels and target, the image's tag, Compose's project and
 * service labels, which the clean-up finds images by) and the inputs hash label of the up-to-date check.
 */
async function buildWithoutCompose(node: NodeContext, options: BuildOptions, hash: string | undefined): Promise<void> {
  const adapter = engineAdapter(node.target);
  const inputs = node.buildInputs();
  // The image as Compose names it: interpolated (`image: ${IMAGE:-…}`), never the raw text.
  const image = 'unknown' in inputs || typeof inputs.settings.image !== 'string' ? undefined : inputs.settings.image;
  // Build settings this build would not pass on: refused, never dropped (the image would differ from the file's).
  const ignored = 'unknown' in inputs ? [] : Object.keys(inputs.settings.build).filter((key) => !BUILT_WITHOUT_COMPOSE.includes(key) && !key.startsWith('x-'));
  if ('unknown' in inputs || !inputs.dockerfilePath || !image || ignored.length > 0) {
    const why =
      'unknown' in inputs
        ? inputs.unknown
        : !image
          ? 'its compose service names no image'
          : !inputs.dockerfilePath
            ? 'its Dockerfile is inline (dockerfile_inline)'
            : `it does not take ${ignored.map((key) => `build.${key}`).join(', ')} from the compose file (it takes ${BUILT_WITHOUT_COMPOSE.filter(
                (key) => key !== 'dockerfile_inline',
              )
                .map((key) => `build.${key}`)
                .join(', ')}): remove ${ignored.length === 1 ? 'it' : 'them'}, or run the node on Docker`;
    throw new Error(`${node.name}: ${adapter.name} builds the image without Compose, from what the compose file says, and cannot here: ${why}.`);
  }
  const build = inputs.settings.build;
  const labels: Record<string, string> = {
    ...listOrMap(build.labels),
    'com.docker.compose.project': node.composeProject,
    'com.docker.compose.service': node.service,
    ...(hash ? { [INPUTS_LABEL]: hash } : {}),
  };
  const argv = adapter.buildArgv(node.target, {
    context: inputs.contextDir,
    dockerfile: inputs.dockerfilePath,
    image,
    args: { ...inputs.args, ...options.buildArgs },
    labels,
    target: typeof build.target === 'string' ? build.target : undefined,
    noCache: options.noCache,
    pull: options.pull,
    platform: options.platform ?? (typeof inputs.settings.platform === 'string' ? inputs.settings.platform : undefined),
  })!;
  const result = await runCommand(argv, { env: adapter.env(node.target) });
  if (result.exitCode !== 0) throw new DockerCommandError(result, `${adapter.cli} build`);
}

/**
 * Waits until no other process builds this node's image on its engine, then holds that until the returned function is
 * called: a lock file in the temporary folder, named after the engine and the image (not the folder: two checkouts'
 * nodes of the same name share the image name), holding the builder's process ID. A lock whose process is gone is
 * taken over. Says once that it waits, and for whom.
 */
export async function buildLock(node: Pick<NodeContext, 'name' | 'image' | 'target' | 'composeProject'>): Promise<() => void> {
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        node.target.engine ?? 'docker',
        node.target.context ?? '',
        node.target.host ?? process.env.DOCKER_HOST ?? '',
        node.image ?? node.composeProject,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  const lockFile = join(tmpdir(), `nx-kubelet-build-${key}.lock`);
  let said = false;
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(lockFile, 'utf8') === String(process.pid)) unlinkSync(lockFile);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(lockFile, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (!Number.isInteger(holder) || holder <= 0 || !processRuns(holder)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (!said) log.info(`${node.name}: waiting for another build of image ${node.image ?? ''} (process ${holder}) to end.`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The compose file's build settings a build without Compose passes on (buildWithoutCompose). */
const BUILT_WITHOUT_COMPOSE = ['context', 'dockerfile', 'dockerfile_inline', 'args', 'labels', 'target'];

/** Compose's `labels:`/`args:` forms: a mapping, or a list of `KEY=VALUE`. */
function listOrMap(value: unknown): Record<string, string> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((item) => String(item).split('=')).map(([key, ...rest]) => [key, rest.join('=')]));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item ?? '')]));
  return {};
}

/** What the up-to-date check found: the image matches its inputs, or the hash to label the new image with. */
interface ImageState {
  upToDate: boolean;
  /** The hash of the inputs the build is about to read (absent when they cannot be told). */
  hash?: string;
  /** Why the check cannot tell (then the build runs). */
  unknown?: string;
}

/**
 * Compares the hash of the image's inputs with the label of the node's image (core/image-inputs.ts), asking the
 * engine once for the node's image and every image the Dockerfile builds from. --force, --noCache and --pull build
 * whatever the label says; so does a node whose compose service names no image.
 */
export async function imageState(node: NodeContext, options: BuildOptions): Promise<ImageState> {
  if (!node.image) return { upToDate: false };
  const inputs = node.buildInputs();
  if ('unknown' in inputs) return { upToDate: false, unknown: inputs.unknown };
  const buildArgs = { ...inputs.args, ...options.buildArgs };
  const sources = dockerfileSources(inputs.dockerfile, buildArgs);
  if (sources.unknown) return { upToDate: false, unknown: sources.unknown };
  const found = await inspectImages(node, [node.image, ...sources.images]);
  if (!found) return { upToDate: false, unknown: 'the engine did not say which images it has' };
  // Where the context is on this machine is not an input of the image (its content is).
  const { args: _args, contextDir: _contextDir, dockerfilePath: _dockerfilePath, ...fromFiles } = inputs;
  const hash = imageInputsHash({
    ...fromFiles,
    buildArgs,
    platform: options.platform,
    baseImages: Object.fromEntries(sources.images.map((image) => [image, found.get(image)?.id ?? null])),
  });
  const forced = options.force || options.noCache || options.pull;
  return { upToDate: !forced && found.get(node.image)?.labels[INPUTS_LABEL] === hash, hash };
}

/**
 * The local ID and labels of each image (null: the engine has none of that name), in one `docker image inspect`;
 * undefined when its answer cannot be matched to the names.
 */
async function inspectImages(node: NodeContext, images: string[]): Promise<Map<string, { id: string; labels: Record<string, string> } | null> | undefined> {
  const names = [...new Set(images)];
  const result = await runDocker(node.target, ['image', 'inspect', '--format', '{{.Id}} {{json .Config.Labels}}', ...names], { mode: 'capture' });
  const lines = result.stdout.split('\n').filter(Boolean);
  const adapter = engineAdapter(node.target);
  const missing = new Set(names.filter((name) => adapter.missingImage(result.stderr, name)));
  const present = names.filter((name) => !missing.has(name));
  if (lines.length !== present.length || (result.exitCode !== 0 && missing.size === 0)) return undefined;
  const found = new Map<string, { id: string; labels: Record<string, string> } | null>(names.map((name) => [name, null]));
  present.forEach((name, index) => {
    const [id, ...labels] = lines[index].split(' ');
    found.set(name, { id, labels: (JSON.parse(labels.join(' ') || 'null') as Record<string, string> | null) ?? {} });
  });
  return found;
}
