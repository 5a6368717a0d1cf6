import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { NodeTemplates } from './front-end';

/**
 * Where the node templates are: `dist/templates/node` in the published package (build.js copies them there), or the
 * repository's top-level `templates/node` when running from source (tests with ts-jest).
 */
export function nodeTemplatesDir(): string {
  const candidates = [join(__dirname, '..', 'templates', 'node'), join(__dirname, '..', '..', '..', '..', 'templates', 'node')];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`kubelet-node: node templates not found (looked in ${candidates.join(', ')}). Is the package built?`);
  return found;
}

/** Every file below `dir` as text, keyed by its `/`-separated path relative to `dir`. */
export function readTextFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path).split(sep).join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return files;
}

const cache = new Map<string, NodeTemplates>();

/** Reads every template file below `dir`, once per process (rendering 100 nodes reads the files once). */
export function loadNodeTemplates(dir = nodeTemplatesDir()): NodeTemplates {
  const templates = cache.get(dir) ?? readTextFiles(dir);
  cache.set(dir, templates);
  return templates;
}
