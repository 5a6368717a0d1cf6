/**
 * A node's static pod manifests (its `manifests/` folder, or the kubelet's static pod folder as read from inside the
 * node): read, checked the way the kubelet will read them, and the images they reference. Pure apart from reading
 * the folder. The operations read a node's folder through the node context (operations/node-context.ts), never
 * directly.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as Yaml from 'yaml';

export interface StaticPod {
  /** The file's name in manifests/ (and in the node's static pod folder). */
  file: string;
  text: string;
  name: string;
  namespace: string;
  /** Images of its containers and init containers, as written. */
  images: string[];
  /** The pod as parsed, to tell a real change from a comment or formatting edit. */
  object: unknown;
  restartPolicy: string;
}

/** A manifest the kubelet would refuse or misread: the message names the file and the field. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/**
 * Checks one manifest the way the kubelet reads a static pod file: one YAML or JSON document holding a `kind: Pod`
 * with `metadata.name` and at least one container with a name and an image. Throws a {@link ManifestError} that
 * names `shownPath` and the field.
 */
export function parseManifest(file: string, text: string, shownPath = file): StaticPod {
  // yaml is loaded at the first parse (~70 modules): the Nx plugin's createDependencies imports this module for
  // every project graph and parses manifests only when some project declares the images it builds.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseAllDocuments } = require('yaml') as typeof Yaml;
  const documents = parseAllDocuments(text).filter((document) => document.contents !== null);
  const fail = (why: string): never => {
    throw new ManifestError(`${shownPath}: ${why}`);
  };
  if (documents.length === 0) fail('is empty; a static pod manifest holds one Pod (the kubelet would refuse the file).');
  if (documents.length > 1) fail(`holds ${documents.length} YAML documents; the kubelet reads one Pod per file: split them into one file each.`);
  const [document] = documents;
  if (document.errors.length) fail(`is not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
  const pod = document.toJS() as Record<string, unknown>;
  if (typeof pod !== 'object' || pod === null || Array.isArray(pod)) fail('is not a YAML mapping; a static pod manifest holds one Pod.');
  if (pod.kind === undefined) fail('has no "kind"; set kind: Pod (the kubelet says "Object \'Kind\' is missing").');
  if (pod.kind !== 'Pod') fail(`kind is "${String(pod.kind)}", not Pod: the kubelet runs only Pods from its manifest folder.`);
  if (pod.apiVersion !== undefined && pod.apiVersion !== 'v1') fail(`apiVersion is "${String(pod.apiVersion)}"; a Pod is apiVersion: v1.`);
  const metadata = (pod.metadata ?? {}) as Record<string, unknown>;
  if (typeof metadata.name !== 'string' || metadata.name === '') fail('metadata.name is missing; every static pod needs a name.');
  const name = metadata.name as string;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) fail(`metadata.name "${name}" is not a valid pod name (lower-case letters, digits, "-" and ".").`);
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) fail('spec.containers is missing or empty; a pod needs at least one container.');
  const images: string[] = [];
  for (const [field, list] of [
    ['containers', containers],
    ['initContainers', spec.initContainers ?? []],
  ] as const) {
    if (!Array.isArray(list)) fail(`spec.${field} is not a list.`);
    (list as unknown[]).forEach((container, index) => {
      const entry = (container ?? {}) as Record<string, unknown>;
      if (typeof entry.name !== 'string' || !entry.name) fail(`spec.${field}[${index}].name is missing.`);
      if (typeof entry.image !== 'string' || !entry.image) fail(`spec.${field}[${index}].image is missing (container "${String(entry.name)}").`);
      images.push(entry.image as string);
    });
  }
  return {
    file,
    text,
    name,
    namespace: typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : 'default',
    images,
    object: pod,
    restartPolicy: typeof spec.restartPolicy === 'string' ? spec.restartPolicy : 'Always',
  };
}

/**
 * Every manifest of a node's `manifests/` folder, checked: the kubelet reads every file whose name does not start
 * with a dot, so every such file must be a valid Pod, and two files must not name the same pod. Throws on the first
 * problem. An absent folder is an error, not "no manifests" (apply would otherwise remove every pod of the node);
 * an empty folder is no manifests.
 */
export function readManifestFolder(dir: string, shownDir = 'manifests'): StaticPod[] {
  if (!existsSync(dir)) {
    throw new ManifestError(
      `${shownDir} does not exist. A node keeps its static pods there: restore the folder, or create it empty for a node without static pods.`,
    );
  }
  const pods = manifestFileNames(dir, (file, target) => {
    throw new ManifestError(`${shownDir}/${file}: is a symbolic link to ${target}, which does not exist. Point it at a manifest or remove it.`);
  })
    .sort()
    .map((file) => parseManifest(file, readFileSync(join(dir, file), 'utf8'), `${shownDir}/${file}`));
  const seen = new Map<string, string>();
  for (const pod of pods) {
    const key = `${pod.namespace}/${pod.name}`;
    const other = seen.get(key);
    if (other)
      throw new ManifestError(
        `${shownDir}/${pod.file}: metadata.name "${pod.name}" is also the name of ${shownDir}/${other}; static pod names must be unique (the kubelet would run only one of them).`,
      );
    seen.set(key, pod.file);
  }
  return pods;
}

/**
 * The files of a manifests/ folder that the kubelet reads: not dot-named, and files (or links to files). A link
 * whose target does not exist goes to `onDangling` (with what it points at) and is left out.
 */
export function manifestFileNames(dir: string, onDangling: (file: string, target: string) => void = () => undefined): string[] {
  return readdirSync(dir).filter((file) => {
    if (file.startsWith('.')) return false;
    const path = join(dir, file);
    try {
      return statSync(path).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
      let target = 'a missing file';
      try {
        if (lstatSync(path).isSymbolicLink()) target = readlinkSync(path);
      } catch {
        // gone meanwhile
      }
      onDangling(file, target);
      return false;
    }
  });
}

/**
 * An image reference in one spelling, so that `nginx`, `nginx:latest`, `docker.io/nginx` and
 * `docker.io/library/nginx:latest` compare equal (the graph edges and `load`'s de-duplication use it).
 */
export function normalizeImageRef(ref: string): string {
  let image = ref.trim();
  const digestAt = image.indexOf('@');
  const digest = digestAt >= 0 ? image.slice(digestAt) : '';
  if (digestAt >= 0) image = image.slice(0, digestAt);
  const lastSlash = image.lastIndexOf('/');
  const hasTag = image.lastIndexOf(':') > lastSlash;
  if (!hasTag && !digest) image = `${image}:latest`;
  image = image.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
  return `${image}${digest}`;
}

/** The images of the manifests, in order, each once. */
export function manifestImages(pods: StaticPod[]): string[] {
  return [...new Set(pods.flatMap((pod) => pod.images))];
}

/** True when two manifests describe the same pod (only comments, formatting or key order differ). */
export function samePod(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
