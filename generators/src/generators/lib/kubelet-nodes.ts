/** The kubelet nodes of a workspace, seen through the Nx Tree: finding them, reading and writing their files. */
import { getProjects, ProjectConfiguration, Tree } from '@nx/devkit';
import { DeclaredVersions } from '../../lib/node-model';
import { DECLARATION_KEY, NodeFiles } from '../../lib/render-node';

export interface WorkspaceNode {
  name: string;
  project: ProjectConfiguration;
  /** The versions in project.json's metadata; undefined for nodes generated before they were declared (0.1.0). */
  declared?: DeclaredVersions;
}

/** Every project that is a kubelet node: a Dockerfile.kicbase and a compose file at its root. */
export function kubeletNodes(tree: Tree): WorkspaceNode[] {
  return [...getProjects(tree)]
    .filter(([, project]) => tree.exists(`${project.root}/Dockerfile.kicbase`) && tree.exists(`${project.root}/compose.yaml`))
    .map(([name, project]) => ({ name, project, declared: (project.metadata as Record<string, unknown> | undefined)?.[DECLARATION_KEY] as DeclaredVersions | undefined }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** All files below a node's root, keyed by their path relative to it. */
export function readNodeFiles(tree: Tree, root: string): NodeFiles {
  const files: NodeFiles = {};
  const walk = (dir: string, prefix: string) => {
    for (const child of tree.children(dir)) {
      const path = `${dir}/${child}`;
      if (tree.isFile(path)) files[`${prefix}${child}`] = tree.read(path, 'utf-8') ?? '';
      else walk(path, `${prefix}${child}/`);
    }
  };
  walk(root, '');
  return files;
}

/** Writes the files that differ from `before`. */
export function writeChangedFiles(tree: Tree, root: string, before: NodeFiles, after: NodeFiles): void {
  for (const [path, content] of Object.entries(after)) {
    if (before[path] !== content) tree.write(`${root}/${path}`, content);
  }
}

