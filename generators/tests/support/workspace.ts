/** Temporary copies of this workspace, and the real nx CLI run inside them. */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CommandResult, run } from './validators';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

// What a workspace copy needs: the root config, the built packages (not their sources or tests) and the example node.
const COPIED = [
  'package.json',
  'nx.json',
  'tsconfig.base.json',
  'packages/example-node',
  'packages/kubelet-node/package.json',
  'packages/kubelet-node/schemas',
  'packages/kubelet-node/dist',
  'generators/package.json',
  'generators/generators.json',
  'generators/executors.json',
  'generators/migrations.json',
  'generators/dist',
];
// Packages of this repository that a copy links to its own copy (as npm workspaces would link them).
const OWN_PACKAGES: Record<string, string> = { 'nx-kubelet': 'generators', 'kubelet-node': 'packages/kubelet-node' };

/**
 * Copies the workspace into a temporary folder. node_modules entries are linked to the repository's, except
 * nx-kubelet and kubelet-node, which point at the copy's own (as npm workspaces would link them); projen-kubelet is
 * not there (Nx users never install projen).
 */
export function copyWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-ws-'));
  for (const path of COPIED) cpSync(join(REPO_ROOT, path), join(dir, path), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (entry in OWN_PACKAGES || entry === 'projen-kubelet') continue;
    symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const [name, path] of Object.entries(OWN_PACKAGES)) symlinkSync(join(dir, path), join(dir, 'node_modules', name));
  return dir;
}

export function removeWorkspace(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Runs the workspace's real nx CLI, without the daemon and never interactively. */
export function nx(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): CommandResult {
  // Never in this repository itself: a test whose workspace copy failed must not generate nodes here.
  if (!cwd || resolve(cwd) === resolve(REPO_ROOT)) throw new Error(`nx must run in a workspace copy, not in ${cwd ?? 'the current folder'}`);
  const nxBin = require.resolve('nx/bin/nx', { paths: [REPO_ROOT] });
  return run(process.execPath, [nxBin, ...args], {
    cwd,
    env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false', NX_SKIP_NX_CACHE: 'true', FORCE_COLOR: '0', NO_COLOR: '1', ...env },
  });
}
