/** Temporary copies of this workspace, and the real nx CLI run inside them. */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CommandResult, run } from './validators';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

// What a workspace copy needs: the root config, the built plugin (not its sources or tests) and the nodes.
const COPIED = ['package.json', 'nx.json', 'tsconfig.base.json', 'packages', 'generators/package.json', 'generators/generators.json', 'generators/executors.json', 'generators/migrations.json', 'generators/dist'];

/**
 * Copies the workspace into a temporary folder. node_modules entries are linked to the repository's, except
 * nx-kubelet itself, which points at the copy's own plugin (as npm workspaces would link it).
 */
export function copyWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-ws-'));
  for (const path of COPIED) cpSync(join(REPO_ROOT, path), join(dir, path), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (entry === 'nx-kubelet') continue;
    symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  symlinkSync(join(dir, 'generators'), join(dir, 'node_modules', 'nx-kubelet'));
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
