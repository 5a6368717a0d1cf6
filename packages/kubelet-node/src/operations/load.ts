/**
 * `load`: images from the host's engine into the node's own dockerd, as `kind load docker-image` does for kind:
 * `docker save` streamed into `docker exec -i <node> docker load` (no temporary file), skipping images whose ID the
 * node already has. No registry is involved: an air-gapped node, or an image just built in the workspace, runs.
 */
import { log } from './log';
import { DockerCommandError, DockerTarget, pipeDocker, runDocker } from './docker-cli';
import { engineAdapter } from './engine-adapter';
import { manifestImages } from '../core/manifests';
import { DockerConnectionOptions, NodeContext, NodeDescription, nodeManifests, runningContainer } from './node-context';

export interface LoadOptions extends DockerConnectionOptions {
  /** Images to load, comma-separated (`a:1,b:2`) or a list. @default every image of the node's manifests and its pause image that the host has */
  images?: string | string[];
}

/** `load`: the named images, or by default those of the manifests and the pause image that the host has. */
export async function load(node: NodeContext, options: LoadOptions): Promise<boolean> {
  const id = await runningContainer(node, { atLoad: true });
  const named = imageList(options.images);
  if (named.length) {
    await loadImages(node, id, named, { required: true });
  } else {
    const images = defaultImages(node);
    if (images.length === 0) {
      log.info(`${node.name}: its manifests reference no image and it names no pause image: nothing to load.`);
      return true;
    }
    await loadImages(node, id, images, { required: false });
  }
  return true;
}

/** Before docker: without --images, the manifests the default images come from must be valid. */
load.check = (node: NodeDescription, options: LoadOptions): void => {
  if (imageList(options.images).length === 0) defaultImages(node);
};

/** The images `load` copies by default: those of the node's manifests/ and its pause image. */
export function defaultImages(node: Pick<NodeDescription, 'dir' | 'displayDir' | 'pauseImage'>): string[] {
  // No manifests/ folder: no manifest images (load changes no pods, so nothing is at risk here, unlike apply).
  const manifests = nodeManifests(node);
  const pods = manifests.exists() ? manifests.read() : [];
  return [...new Set([...manifestImages(pods), ...(node.pauseImage ? [node.pauseImage] : [])])];
}

/** `--images=a:1,b:2` or a list (Nx passes either), trimmed, each once. */
export function imageList(images: string | string[] | undefined): string[] {
  const list = Array.isArray(images) ? images : typeof images === 'string' ? images.split(',') : [];
  return [...new Set(list.map((image) => image.trim()).filter(Boolean))];
}

/**
 * The engine images come from: the user's own (DOCKER_HOST or `docker context use` as they have them), where their
 * builds (`docker:build`) put images, also when the node runs on another engine (compose.yaml's x-kubelet-node, or
 * --context/--dockerHost): that engine is only where the node's container runs.
 */
export function sourceEngine(node: NodeContext): DockerTarget {
  // Same kind of engine as the node's: a node on Podman loads from the user's Podman store (podman save).
  return { command: node.target.command, ...(node.target.engine ? { engine: node.target.engine } : {}) };
}

/** What `docker image inspect` says of an image in one engine, in store-independent terms. */
export interface ImageIdentity {
  id: string;
  size: number;
  /**
   * The image's content: its creation time and layer diff IDs. Unlike the ID, the same in every image store: the
   * containerd store (Docker Desktop, Engine 29+) names an image by its manifest or index digest, the classic store
   * (the node's dockerd, after `docker load`) by its config digest.
   */
  content: string;
}

/** The --format for {@link parseImageInspect}: no field contains a space. */
export const IMAGE_INSPECT_FORMAT = '{{.Id}} {{.Size}} {{.Created}} {{json .RootFS.Layers}}';

export function parseImageInspect(stdout: string): ImageIdentity | undefined {
  const [id, size, created, layers] = stdout.trim().split(' ');
  return id ? { id, size: Number(size) || 0, content: `${created} ${layers}` } : undefined;
}

/** True when the node has the host's image: the same ID (same kind of store), or else the same content. */
export function sameImage(host: ImageIdentity | undefined, inNode: ImageIdentity | undefined): boolean {
  return !!host && !!inNode && (host.id === inNode.id || host.content === inNode.content);
}

export interface ImageFacts {
  image: string;
  host?: ImageIdentity;
  inNode?: ImageIdentity;
}

async function inspectImage(node: NodeContext, id: string, image: string): Promise<ImageFacts> {
  const [host, inNode] = await Promise.all([
    runDocker(sourceEngine(node), ['image', 'inspect', '--format', IMAGE_INSPECT_FORMAT, image], { mode: 'capture' }),
    runDocker(node.target, ['exec', id, 'docker', 'image', 'inspect', '--format', IMAGE_INSPECT_FORMAT, image], { mode: 'capture' }),
  ]);
  return {
    image,
    host: host.exitCode === 0 ? parseImageInspect(host.stdout) : undefined,
    inNode: inNode.exitCode === 0 ? parseImageInspect(inNode.stdout) : undefined,
  };
}

/**
 * `docker image inspect` of each image in the node, one line each (empty: not there): apply runs it in the exec that
 * reads the node's folder (with `$format` and `$@` the images set), so that the image check costs no exec of its own.
 */
export const NODE_IMAGES_SCRIPT = 'for image; do printf "%s\\n" "$(docker image inspect --format "$format" "$image" 2>/dev/null)"; done';

/** Each image as the host's engine has it (undefined: not there), one `docker image inspect` each, in parallel. */
export async function hostImages(node: NodeContext, images: string[]): Promise<(ImageIdentity | undefined)[]> {
  const results = await Promise.all(
    images.map((image) => runDocker(sourceEngine(node), ['image', 'inspect', '--format', IMAGE_INSPECT_FORMAT, image], { mode: 'capture' })),
  );
  return results.map((result) => (result.exitCode === 0 ? parseImageInspect(result.stdout) : undefined));
}

export interface LoadSummary {
  loaded: string[];
  present: string[];
  /** Not in the host's engine (only when not `required`). */
  missing: string[];
  /** In neither engine: a pod with such an image runs only if the kubelet can pull it. */
  absent: string[];
}

/**
 * Copies `images` from the host's engine into the node's dockerd: one `docker save` of every image the node lacks,
 * streamed into `docker load` in the node. `required`: an image missing on the host is an error (named images);
 * otherwise it is reported and left to the kubelet (which pulls it if a registry is reachable).
 */
export async function loadImages(
  node: NodeContext,
  id: string,
  images: string[],
  { required, quiet = false, inspected = [] }: { required: boolean; quiet?: boolean; inspected?: ImageFacts[] },
): Promise<LoadSummary> {
  // What the caller inspected already (apply, while it read the node's folder) is not asked again.
  const facts = await Promise.all(images.map((image) => inspected.find((fact) => fact.image === image) ?? inspectImage(node, id, image)));
  const missing = facts.filter((fact) => !fact.host).map((fact) => fact.image);
  if (required && missing.length) {
    throw new Error(
      `${missing.join(', ')}: not in the host's ${engineAdapter(node.target).name} engine, so there is nothing to load (load never pulls). Build ${missing.length > 1 ? 'them' : 'it'} (e.g. its project's docker build target) or ${engineAdapter(node.target).cli} pull ${missing.length > 1 ? 'them' : 'it'} first.`,
    );
  }
  const say = (line: string) => (quiet ? undefined : log.info(line));
  const absent = facts.filter((fact) => !fact.host && !fact.inNode).map((fact) => fact.image);
  for (const image of absent) say(`${image}: neither in the host's engine nor in ${node.name}, skipped (the kubelet pulls it if it can reach a registry)`);
  const present = facts.filter((fact) => sameImage(fact.host, fact.inNode));
  for (const fact of present) say(`${fact.image}: already in ${node.name} (${fact.inNode!.id.replace(/^sha256:/, '').slice(0, 12)}), skipped`);
  const toLoad = facts.filter((fact) => fact.host && !sameImage(fact.host, fact.inNode));
  if (toLoad.length === 0) return { loaded: [], present: present.map((fact) => fact.image), missing, absent };

  const started = Date.now();
  const total = toLoad.reduce((sum, fact) => sum + fact.host!.size, 0);
  for (const fact of toLoad) log.info(`${fact.image}: loading into ${node.name} (${megabytes(fact.host!.size)})`);
  const { from, to } = await pipeDocker(
    { target: sourceEngine(node), args: ['save', ...toLoad.map((fact) => fact.image)] },
    { target: node.target, args: ['exec', '--interactive', id, 'docker', 'load'] },
  );
  if (from.interrupted || to.interrupted) throw new Error(`interrupted while loading images into ${node.name}.`);
  if (from.exitCode !== 0) throw new DockerCommandError(from, 'docker save');
  if (to.exitCode !== 0) {
    const hint = /digest .* not found|content digest/i.test(to.tail)
      ? "\nThe host's engine uses the containerd image store, whose `docker save` can name layers it does not have (kind #3795): save the image for one platform or turn the store off."
      : '';
    throw new Error(`${new DockerCommandError(to, 'docker load in the node').message}${hint}`);
  }
  // Names the archive gave otherwise (Podman's localhost/<name>): the node's dockerd gets the name that was asked for.
  const renames = toLoad.flatMap((fact) => {
    const saved = engineAdapter(sourceEngine(node)).archiveName(fact.image);
    return saved ? [saved, fact.image] : [];
  });
  if (renames.length) {
    const renamed = await runDocker(node.target, ['exec', id, 'sh', '-c', RENAME_SCRIPT, 'sh', ...renames], { mode: 'capture' });
    if (renamed.exitCode !== 0) throw new DockerCommandError(renamed, 'docker tag in the node');
  }
  // Checked, not assumed: the node's engine must now have each image with the host's content.
  const after = await Promise.all(toLoad.map((fact) => inspectImage(node, id, fact.image)));
  const wrong = after.filter((fact) => !sameImage(fact.host, fact.inNode));
  if (wrong.length)
    throw new Error(
      `docker load in ${node.name} ended without ${wrong.map((fact) => fact.image).join(', ')} as the host's engine has ${wrong.length > 1 ? 'them' : 'it'} (same layers and creation time).`,
    );
  log.info(
    `${node.name}: loaded ${toLoad.length} image${toLoad.length === 1 ? '' : 's'} (${megabytes(total)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { loaded: toLoad.map((fact) => fact.image), present: present.map((fact) => fact.image), missing, absent };
}

/** In the node, for each pair of arguments (saved name, asked name): the image under the asked name only, if it came as the other. */
const RENAME_SCRIPT =
  'while [ $# -ge 2 ]; do if docker image inspect "$1" >/dev/null 2>&1; then docker tag "$1" "$2" && docker rmi "$1" >/dev/null || exit 1; fi; shift 2; done';

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}
