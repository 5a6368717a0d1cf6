/**
 * The real validators a generated node is checked with: systemd-analyze, docker compose, dockerfile-utils and the
 * KubeletConfiguration model. A missing tool is a failure, never a skip (CI installs them: .ci/run).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell and returns its exit status and output. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CommandResult {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options, env: { ...process.env, ...options.env } });
  if (result.error) throw new Error(`${command} ${args.join(' ')} could not start: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command that must succeed: its output (stdout, then stderr), else an Error naming it, its exit code and the output's tail. */
export function runOk(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = run(command, args, options);
  const text = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${text.slice(-4000)}`);
  return text;
}

/** Fails loudly (with how to fix it) when a tool the tests need is missing. */
export function requireTool(command: string, args: string[], hint: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}. ${hint}`);
  }
}

const ENGINE_HINT = 'Install and start it with tools/docker-engine/start.sh (.ci/run does this).';

/**
 * `systemd-analyze verify` of the node's units inside a stand-in root filesystem: the host's systemd units plus
 * stub executables for what kicbase provides (/usr/bin/kubelet, /usr/bin/cri-dockerd, /bin/kill, docker.service).
 * Returns everything it printed: any output is a problem, since parse errors only warn and exit 0.
 */
export function verifySystemdUnits(unitsDir: string): string {
  requireTool('systemd-analyze', ['--version'], "Install Debian's systemd package.");
  const root = mkdtempSync(join(tmpdir(), 'nx-kubelet-units-'));
  try {
    const stub = '#!/bin/sh\nexit 0\n';
    for (const binary of ['usr/bin/kubelet', 'usr/bin/cri-dockerd', 'bin/kill']) {
      mkdirSync(join(root, binary, '..'), { recursive: true });
      writeFileSync(join(root, binary), stub);
      chmodSync(join(root, binary), 0o755);
    }
    cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    writeFileSync(
      join(root, 'usr/lib/systemd/system/docker.service'),
      "[Unit]\nDescription=stand-in for kicbase's dockerd\n[Service]\nExecStart=/usr/bin/kubelet\n",
    );
    const target = join(root, 'etc/systemd/system');
    mkdirSync(target, { recursive: true });
    const units = readdirSync(unitsDir);
    for (const unit of units) cpSync(join(unitsDir, unit), join(target, unit));
    const result = run('systemd-analyze', ['verify', `--root=${root}`, ...units.map((unit) => `/etc/systemd/system/${unit}`)], {
      env: { SYSTEMD_LOG_COLOR: '0' },
    });
    return `${result.stdout}${result.stderr}`.trim() + (result.status === 0 ? '' : `\n(exit ${result.status})`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** `docker compose config` on the node's compose file (Compose v2); returns the normalized config as JSON. */
export function composeConfig(nodeDir: string): { status: number | null; config?: any; stderr: string } {
  requireTool('docker', ['compose', 'version'], `Docker Compose v2 is required. ${ENGINE_HINT}`);
  const result = run('docker', ['compose', '--file', 'compose.yaml', 'config', '--format', 'json'], { cwd: nodeDir });
  return { status: result.status, stderr: result.stderr, config: result.status === 0 ? JSON.parse(result.stdout) : undefined };
}

/** dockerfile-utils diagnostics (errors and warnings) as readable lines; empty when the Dockerfile is clean. */
export function lintDockerfile(content: string): string[] {
  return validate(content).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}
