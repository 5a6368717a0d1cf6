/**
 * `export-logs`: a node's diagnostics in one folder, as `kind export logs` collects them, for a CI artifact or a bug
 * report. Best effort: every file is collected on its own (with a timeout), a failure is written down in
 * errors.txt and the rest goes on, so it works on a node whose kubelet is crash-looping, and on a stopped node it
 * keeps what the engine still knows (inspect, console log).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { log } from './log';
import { runDocker } from './docker-cli';
import { DockerConnectionOptions, findContainer, kubeletUrl, NodeContext, NodeDescription } from './node-context';
import { containerState } from './node-probe';

export interface ExportLogsOptions extends DockerConnectionOptions {
  /** Folder to write into (relative to the workspace root). @default dist/kubelet-logs/<node> */
  outputPath?: string;
  /** Seconds each collector may take. @default 30 */
  timeout?: number;
}

/** cri-dockerd's socket in every generated node (kubelet.yaml's containerRuntimeEndpoint). */
const CRI_ENDPOINT = 'unix:///run/cri-dockerd.sock';

/** A file of the export and how to get its content: a docker command on the host, or one run inside the node. */
interface Collector {
  file: string;
  /** docker arguments; `{id}` is the container. */
  args: string[];
  /** Needs the container to be running (a `docker exec`). */
  exec: boolean;
  /** The exit code alone does not mean failure (e.g. crictl with nothing to list). */
  allowFailure?: boolean;
}

/** What is collected (kind's set, in this node's terms). The kubelet's config comes from its loopback API. */
export function collectors(node: NodeContext): Collector[] {
  const inNode = (file: string, ...command: string[]): Collector => ({ file, args: ['exec', '{id}', ...command], exec: true });
  const journal = (file: string, ...units: string[]) =>
    inNode(file, 'journalctl', '--no-pager', '--output', 'short-precise', ...units.flatMap((unit) => ['--unit', unit]));
  const readOnly = node.kubelet.readOnlyPort;
  return [
    { file: 'inspect.json', args: ['inspect', '{id}'], exec: false },
    { file: 'console.log', args: ['logs', '--timestamps', '{id}'], exec: false },
    journal('journal.log'),
    journal('kubelet.log', 'kubelet.service'),
    journal('cri-docker.log', 'cri-docker.service', 'cri-docker.socket'),
    journal('docker.log', 'docker.service'),
    inNode('units.txt', 'systemctl', 'status', '--no-pager', '--full', 'kubelet.service', 'cri-docker.service', 'cri-docker.socket', 'docker.service'),
    // The effective configuration, from the kubelet itself: /configz on its main port (loopback, anonymous AlwaysAllow).
    inNode('kubelet-configz.json', 'curl', '-fsSk', '--max-time', '5', kubeletUrl(node, 'configz')),
    inNode('kubelet.yaml', 'cat', '/kubelet.yaml'),
    ...(readOnly ? [inNode('pods.json', 'curl', '-fsS', '--max-time', '5', kubeletUrl(node, 'pods'))] : []),
    inNode('manifests.txt', 'sh', '-c', 'for f in "$1"/*; do [ -f "$f" ] && { echo "# $f"; cat "$f"; echo; }; done; true', 'sh', node.kubelet.staticPodPath),
    inNode('crictl-ps.txt', 'crictl', '--runtime-endpoint', CRI_ENDPOINT, 'ps', '--all'),
    inNode('crictl-images.txt', 'crictl', '--runtime-endpoint', CRI_ENDPOINT, 'images'),
    inNode('docker-ps.txt', 'docker', 'ps', '--all'),
    inNode('docker-images.txt', 'docker', 'images', '--digests'),
    inNode('docker-info.txt', 'docker', 'info'),
    inNode(
      'versions.txt',
      'sh',
      '-c',
      'echo "kubelet: $(kubelet --version 2>&1)"; echo "cri-dockerd: $(cri-dockerd --version 2>&1)"; echo "docker: $(docker version --format "{{.Server.Version}}" 2>&1)"; echo "kernel: $(uname -a)"; cat /etc/os-release',
    ),
  ];
}

/** `export-logs`: writes the files into the output folder and prints its path; fails only when there is no container. */
export async function exportLogs(node: NodeContext, options: ExportLogsOptions): Promise<boolean> {
  const { final, shownFinal } = outputOf(node, options);
  checkExportFolder(final, shownFinal);
  const id = await findContainer(node);
  if (!id) throw new Error(`${node.name} has no container: there are no logs to export. Start it: ${node.command('up')}`);
  const state = await containerState(node, id);
  const output = startExportFolder(final);
  try {
    return await collectInto(node, id, state, output, shownFinal, options, () => replaceExportFolder(output, final));
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}

/** Marks a folder export-logs wrote: only such a folder (or an empty one) is replaced by the next export. */
export const EXPORT_MARKER = '.kubelet-node-export-logs';

/**
 * Refuses an output that is not a folder export-logs wrote before: a file, or a folder with other contents (e.g.
 * `--outputPath=packages/my-node`, which the export would otherwise overwrite in part). Changes nothing.
 */
export function checkExportFolder(output: string, shown = output, writer: OutputFolderWriter = EXPORT_LOGS_WRITER): void {
  if (!existsSync(output)) return;
  if (!statSync(output).isDirectory()) throw new Error(`${shown} is a file, not a folder: choose another --outputPath.`);
  const entries = readdirSync(output);
  if (entries.length && !entries.includes(writer.marker)) {
    throw new Error(
      `${shown} is not empty and ${writer.operation} did not write it (no ${writer.marker} in it): ${writer.operation} replaces its output folder as a whole, so give it a new or empty folder (--outputPath).`,
    );
  }
}

/**
 * An operation that writes an output folder the same way (export-logs, report): its name for messages, and the marker
 * file that says it wrote the folder (only such a folder, or an empty one, is replaced).
 */
export interface OutputFolderWriter {
  operation: string;
  marker: string;
}
const EXPORT_LOGS_WRITER: OutputFolderWriter = { operation: 'export-logs', marker: EXPORT_MARKER };

/** A fresh folder beside `output` (same file system, so that it can be renamed into place), marked. */
export function startExportFolder(output: string, writer: OutputFolderWriter = EXPORT_LOGS_WRITER): string {
  mkdirSync(dirname(output), { recursive: true });
  const temporary = mkdtempSync(join(dirname(output), `.${basename(output)}.${writer.operation}-`));
  writeFileSync(
    join(temporary, writer.marker),
    `Written by kubelet-node ${writer.operation}: the next ${writer.operation} into this folder replaces it as a whole.\n`,
  );
  return temporary;
}

/** Puts the finished export in place of `output`: a previous export (or an empty folder) goes, whole. */
export function replaceExportFolder(temporary: string, output: string, writer: OutputFolderWriter = EXPORT_LOGS_WRITER): void {
  checkExportFolder(output, output, writer); // again: something may have been written there meanwhile
  if (existsSync(output)) {
    const previous = `${temporary}.previous`;
    renameSync(output, previous);
    renameSync(temporary, output);
    rmSync(previous, { recursive: true, force: true });
  } else {
    renameSync(temporary, output);
  }
}

async function collectInto(
  node: NodeContext,
  id: string,
  state: string,
  output: string,
  shown: string,
  options: ExportLogsOptions,
  commit: () => void,
): Promise<boolean> {
  const timeoutMs = (options.timeout ?? 30) * 1000;
  const errors: string[] = [];
  const written: string[] = [];
  const work = collectors(node).map(async (collector) => {
    if (collector.exec && state !== 'running') {
      errors.push(`${collector.file}: not collected, the container is ${state}`);
      return;
    }
    const args = collector.args.map((arg) => (arg === '{id}' ? id : arg));
    let child: ChildProcess | undefined;
    const timer = setTimeout(() => child?.kill('SIGKILL'), timeoutMs);
    try {
      const result = await runDocker(node.target, args, { mode: 'capture', onSpawn: (spawned) => (child = spawned) });
      const content = collector.file === 'console.log' ? result.stdout + result.stderr : result.stdout;
      if (content) {
        writeFileSync(join(output, collector.file), content);
        written.push(collector.file);
      }
      if (result.exitCode !== 0 && !collector.allowFailure) {
        errors.push(
          `${collector.file}: \`${args.join(' ')}\` exited ${result.exitCode}${result.signal === 'SIGKILL' ? ` (stopped after ${timeoutMs / 1000} s)` : ''}: ${result.stderr.trim().split('\n').slice(-3).join(' / ') || 'no output'}`,
        );
      }
    } catch (error) {
      errors.push(`${collector.file}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  });
  await Promise.all(work);
  writeFileSync(join(output, 'nx-kubelet.txt'), exportInfo(node, id, state));
  written.push('nx-kubelet.txt');
  if (errors.length) {
    writeFileSync(join(output, 'errors.txt'), `${errors.sort().join('\n')}\n`);
    written.push('errors.txt');
  }
  commit();
  log.info(`${node.name}: ${written.length} files in ${shown}${errors.length ? ` (${errors.length} not collected: see errors.txt)` : ''}`);
  return true;
}

/** Before docker: the output folder must be one export-logs may replace. */
exportLogs.check = (node: NodeDescription, options: ExportLogsOptions): void => {
  const { final, shownFinal } = outputOf(node, options);
  checkExportFolder(final, shownFinal);
};

function outputOf(node: NodeDescription, options: ExportLogsOptions): { final: string; shownFinal: string } {
  const final = resolveOutput(node, options.outputPath);
  return { final, shownFinal: relative(node.workspaceRoot, final).startsWith('..') ? final : relative(node.workspaceRoot, final) || '.' };
}

function resolveOutput(node: NodeDescription, outputPath: string | undefined): string {
  const path = outputPath ?? join('dist', 'kubelet-logs', node.name);
  return isAbsolute(path) ? path : join(node.workspaceRoot, path);
}

function exportInfo(node: NodeContext, id: string, state: string): string {
  let version = 'unknown';
  try {
    version = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    // keep unknown
  }
  return [
    `node: ${node.name} (${node.displayDir})`,
    `container: ${id} (${state})`,
    `engine: ${node.engine}`,
    `kubelet-node: ${version}`,
    `exported: ${new Date().toISOString()}`,
    '',
  ].join('\n');
}
