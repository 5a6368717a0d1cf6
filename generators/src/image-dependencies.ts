/**
 * Which workspace projects build the images a kubelet node runs. A project declares the images it builds in
 * `metadata["nx-kubelet"].images` (project.json, or package.json's "nx" key), e.g.
 * `"metadata": { "nx-kubelet": { "images": ["acme/api:dev"] } }`; a node whose manifests (in its manifests/ folder)
 * run one of them depends on that project. Only declared images count: nothing is guessed from Dockerfiles or tags.
 */
import type { DependencyType, ProjectConfiguration, RawProjectGraphDependency } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPOSE_FILES, DOCKERFILE } from 'kubelet-node/node-files';
import { manifestFileNames, normalizeImageRef, parseManifest } from 'kubelet-node/manifests';

/** Where a project declares the images it builds: `metadata[DECLARATION_KEY].images`. */
const DECLARATION_KEY = 'nx-kubelet';

/** The images a project declares (normalized), or none. */
export function declaredImages(project: Pick<ProjectConfiguration, 'metadata'>): string[] {
  const images = (project.metadata as Record<string, { images?: unknown } | undefined> | undefined)?.[DECLARATION_KEY]?.images;
  return Array.isArray(images) ? images.filter((image): image is string => typeof image === 'string' && image.trim() !== '').map(normalizeImageRef) : [];
}

/**
 * The images the manifests in `<root>/manifests` run (normalized). A file that is not a valid Pod counts for nothing
 * here (apply and build say what is wrong with it).
 */
export function nodeImages(workspaceRoot: string, root: string): string[] {
  const dir = join(workspaceRoot, root, 'manifests');
  if (!existsSync(dir)) return [];
  const images = new Set<string>();
  // A dangling link (or any unreadable entry) counts for nothing: the project graph must never break on a node's files.
  let files: string[];
  try {
    files = manifestFileNames(dir);
  } catch {
    return [];
  }
  for (const file of files) {
    try {
      for (const image of parseManifest(file, readFileSync(join(dir, file), 'utf8')).images) images.add(normalizeImageRef(image));
    } catch {
      // not a valid pod: no images
    }
  }
  return [...images];
}

function isNode(workspaceRoot: string, root: string): boolean {
  return existsSync(join(workspaceRoot, root, DOCKERFILE)) && COMPOSE_FILES.some((file) => existsSync(join(workspaceRoot, root, file)));
}

/** Implicit dependencies node → image project, for every node whose manifests run an image a project declares. */
export function imageDependencies(projects: Record<string, ProjectConfiguration>, workspaceRoot: string): RawProjectGraphDependency[] {
  const builders = new Map<string, string[]>();
  for (const [name, project] of Object.entries(projects)) {
    for (const image of declaredImages(project)) builders.set(image, [...(builders.get(image) ?? []), name]);
  }
  if (builders.size === 0) return [];
  const dependencies: RawProjectGraphDependency[] = [];
  const seen = new Set<string>();
  for (const [name, project] of Object.entries(projects)) {
    if (project.root === '.' || !isNode(workspaceRoot, project.root)) continue;
    for (const image of nodeImages(workspaceRoot, project.root)) {
      for (const target of builders.get(image) ?? []) {
        const key = `${name}\0${target}`;
        if (target === name || seen.has(key)) continue;
        seen.add(key);
        dependencies.push({ source: name, target, type: 'implicit' as DependencyType.implicit });
      }
    }
  }
  return dependencies;
}
