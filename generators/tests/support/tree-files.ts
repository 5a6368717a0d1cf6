import type { Tree } from '@nx/devkit';

/** Every file below `root` in a Tree, keyed by its path relative to it (for comparing whole nodes in specs). */
export function readNodeFiles(tree: Tree, root: string): Record<string, string> {
  const files: Record<string, string> = {};
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
