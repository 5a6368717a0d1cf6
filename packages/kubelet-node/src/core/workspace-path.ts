/**
 * Where a node's folder really is on disk. A front-end checks the path it is given (workspace-relative, already
 * normalized by resolveNode) against the workspace's own real location, so that a folder reached through a symbolic
 * link pointing elsewhere is refused before anything is written. Reads the file system; writes nothing.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Symbolic links followed at most (the kernel's own limit, ELOOP). */
const MAX_LINKS = 40;

/**
 * The real location of `path`: the real path of its longest existing prefix (every symbolic link resolved, also a
 * dangling one, whose target is where a write would land) with the not yet existing rest appended.
 */
export function realLocation(path: string, links = 0): string {
  const rest: string[] = [];
  let existing = resolve(path);
  for (;;) {
    let isLink = false;
    try {
      isLink = lstatSync(existing).isSymbolicLink();
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return join(existing, ...[...rest].reverse());
      rest.push(basename(existing));
      existing = parent;
      continue;
    }
    try {
      return join(realpathSync(existing), ...[...rest].reverse());
    } catch (error) {
      // A dangling link (or a loop): follow it by hand to where it points.
      if (!isLink || links >= MAX_LINKS) throw error;
      const target = resolve(dirname(existing), readlinkSync(existing));
      return join(realLocation(target, links + 1), ...[...rest].reverse());
    }
  }
}

/**
 * The real location of `directory` (relative to `root`) when it is not strictly inside the real location of `root`
 * (a symbolic link on the way points elsewhere, or back at the root itself); undefined when it stays inside.
 */
export function realDirectoryOutside(root: string, directory: string): string | undefined {
  const realRoot = realLocation(root);
  const real = realLocation(join(root, directory));
  const inside = relative(realRoot, real);
  return inside === '' || inside.split(sep)[0] === '..' || isAbsolute(inside) ? real : undefined;
}
