/**
 * The one way nx-kubelet runs docker: argument arrays (never a shell string), output streamed while its tail is kept
 * for error messages, the exit code passed on, SIGINT/SIGTERM forwarded to the child, `--context` and DOCKER_HOST
 * honoured. Node operations never spawn docker themselves.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { EngineKind } from '../core/engine-address';
import { engineAdapter } from './engine-adapter';

/** How docker is reached: the CLI to call, global arguments (`--context`), extra environment (DOCKER_HOST). */
export interface DockerTarget {
  /** @default 'docker' */
  command?: string;
  /** The engine's kind: how it is driven is the engine adapter's business. @default 'docker' */
  engine?: EngineKind;
  context?: string;
  host?: string;
}

export type OutputMode =
  /** tee the child's output to ours and keep it (for progress and error messages) */
  | 'stream'
  /** keep the output, print nothing (for queries) */
  | 'capture'
  /** hand the terminal over (interactive shells) */
  | 'inherit';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  mode?: OutputMode;
  /**
   * Data written to the child's stdin, which is then closed (with holdStdin: kept open after it). Without it stdin is
   * inherited ('inherit') or ignored.
   */
  input?: string;
  /** Keep stdin open as a pipe until the run ends; closing it tells an in-container wrapper to stop (see logs). */
  holdStdin?: boolean;
  /** Called with the child once it runs (to observe or end it). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

export interface RunResult {
  /** The child's exit code, or 128 + signal number when a signal ended it (as shells report it). */
  exitCode: number;
  signal: NodeJS.Signals | null;
  /** True when we forwarded SIGINT or SIGTERM to the child during the run. */
  interrupted: boolean;
  stdout: string;
  stderr: string;
  /** The last lines of stdout and stderr together, for error messages. */
  tail: string;
  /** The command as run, for messages (and pasteable into a shell). */
  argv: string[];
}

const TAIL_LINES = 40;

/** Thrown when docker cannot be started at all (not on PATH, not executable). */
export class DockerNotFoundError extends Error {
  constructor(command: string, cause: string) {
    super(
      /podman/.test(command)
        ? `The podman CLI ("${command}") could not be run: ${cause}. Install Podman 5 (https://podman.io/docs/installation) and make sure "podman" is on PATH.`
        : `The docker CLI ("${command}") could not be run: ${cause}. Install Docker Engine (https://docs.docker.com/engine/install/) and make sure "docker" is on PATH.`,
    );
    this.name = 'DockerNotFoundError';
  }
}

/** A docker command that ran and exited non-zero. Its message names the command, the exit code and the output tail. */
export class DockerCommandError extends Error {
  constructor(
    readonly result: RunResult,
    what = 'docker',
  ) {
    // The engine's own CLI in the words (`podman compose up failed`), never what runs in the node (`docker load in the node`).
    const cli = /(^|\/)podman$/.test(result.argv[0] ?? '') && /^docker( (compose|save|ps)\b|$)/.test(what) ? what.replace(/^docker/, 'podman') : what;
    super(`${cli} failed with exit code ${result.exitCode}: ${formatCommand(result.argv)}${result.tail ? `\n${result.tail}` : ''}`);
    this.name = 'DockerCommandError';
  }
}

/**
 * Full argv for an engine command: the CLI, global options, then the command's own arguments, asked in Docker's terms
 * and said in the target engine's (the engine adapter, engine-adapter.ts).
 */
export function dockerArgv(target: DockerTarget, args: string[]): string[] {
  return engineAdapter(target).argv(target, args);
}

/**
 * The engine as messages name it: `docker context "edge-a"` (with its `address` when known), `DOCKER_HOST=ssh://…`
 * or `the default engine`.
 */
export function describeEngine(target: DockerTarget, address?: string): string {
  if (target.engine === 'podman') return target.host ? `Podman at ${target.host}` : 'Podman';
  if (target.context) return `docker context "${target.context}"${address ? ` at ${address}` : ''}`;
  const host = target.host ?? process.env.DOCKER_HOST;
  return host ? `DOCKER_HOST=${host}` : 'the default engine';
}

/** Environment for the engine's CLI: ours plus what the target needs (Docker: DOCKER_HOST when it names one). */
export function dockerEnv(target: DockerTarget, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return engineAdapter(target).env(target, extra);
}

/** Quotes an argv for display so that it can be pasted into a POSIX shell. */
export function formatCommand(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** What runs while a child runs: its signal forwarder. One shared pair of process listeners serves them all. */
const forwarders = new Set<(signal: NodeJS.Signals) => void>();
const onSigint = () => forwardSignal('SIGINT');
const onSigterm = () => forwardSignal('SIGTERM');

function forwardSignal(signal: NodeJS.Signals): void {
  for (const forward of [...forwarders]) forward(signal);
}

/**
 * Calls `forward` on SIGINT/SIGTERM until the returned function is called. Every running child shares one listener
 * per signal (added with the first child, removed after the last): export-logs runs 17 commands at once, and a
 * listener per child would exceed Node's default of 10 and print a MaxListenersExceededWarning.
 */
export function onTerminationSignal(forward: (signal: NodeJS.Signals) => void): () => void {
  const entry = (signal: NodeJS.Signals) => forward(signal);
  if (forwarders.size === 0) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  forwarders.add(entry);
  return () => {
    if (!forwarders.delete(entry) || forwarders.size > 0) return;
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  };
}

/** Runs `argv` (argv[0] is the program) without a shell. Resolves with the result whatever the exit code. */
export function runCommand(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const mode = options.mode ?? 'stream';
  const stdin = options.input !== undefined || options.holdStdin ? 'pipe' : mode === 'inherit' ? 'inherit' : 'ignore';
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [stdin, mode === 'inherit' ? 'inherit' : 'pipe', mode === 'inherit' ? 'inherit' : 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const tail = new TailBuffer(TAIL_LINES);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
      tail.push(chunk.toString());
      if (mode === 'stream') process.stdout.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk;
      tail.push(chunk.toString());
      if (mode === 'stream') process.stderr.write(chunk);
    });
    if (options.input !== undefined) {
      if (options.holdStdin) child.stdin?.write(options.input);
      else child.stdin?.end(options.input);
    }
    child.stdin?.on('error', () => undefined); // the child may exit before reading its input

    // Forward Ctrl-C and termination to the child instead of dying and leaving it behind.
    const cleanUp = onTerminationSignal((signal) => {
      interrupted = true;
      if (options.holdStdin) child.stdin?.end();
      child.kill(signal);
    });

    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanUp();
      reject(error.code === 'ENOENT' || error.code === 'EACCES' ? new DockerNotFoundError(argv[0], error.message) : error);
    });
    child.on('close', (code, signal) => {
      cleanUp();
      const exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
      resolve({ exitCode, signal, interrupted, stdout, stderr, tail: tail.text(), argv });
    });
    options.onSpawn?.(child);
  });
}

/** Runs docker against `target`. */
export function runDocker(target: DockerTarget, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runCommand(dockerArgv(target, args), { ...options, env: dockerEnv(target, options.env) });
}

/** Runs docker and returns trimmed stdout; throws {@link DockerCommandError} on a non-zero exit. */
export async function captureDocker(target: DockerTarget, args: string[], options: Omit<RunOptions, 'mode'> = {}): Promise<string> {
  const result = await runDocker(target, args, { ...options, mode: 'capture' });
  if (result.exitCode !== 0) throw new DockerCommandError(result);
  return result.stdout.trim();
}

/** What {@link pipeDocker} reports: each side's result. */
export interface PipeResult {
  from: RunResult;
  to: RunResult;
}

/**
 * Runs two docker commands with the first one's stdout streamed into the second one's stdin, as `a | b` would,
 * without a shell and without a temporary file (e.g. `docker save` into `docker exec -i <node> docker load`). Both
 * outputs besides that stream are kept; SIGINT/SIGTERM reach both; when one side fails the other is ended too.
 */
export function pipeDocker(
  from: { target: DockerTarget; args: string[] },
  to: { target: DockerTarget; args: string[] },
  options: { onOutput?: (chunk: string) => void } = {},
): Promise<PipeResult> {
  const spawnSide = (side: { target: DockerTarget; args: string[] }, stdin: 'ignore' | 'pipe') => {
    const argv = dockerArgv(side.target, side.args);
    const child = spawn(argv[0], argv.slice(1), { env: dockerEnv(side.target), stdio: [stdin, 'pipe', 'pipe'], windowsHide: true });
    return { argv, child };
  };
  const writer = spawnSide(from, 'ignore');
  const reader = spawnSide(to, 'pipe');
  let interrupted = false;
  const cleanUp = onTerminationSignal((signal) => {
    interrupted = true;
    writer.child.kill(signal);
    reader.child.kill(signal);
  });
  writer.child.stdout!.pipe(reader.child.stdin!);
  // A reader that exits early (an error) closes its stdin: end the writer rather than fail with EPIPE.
  reader.child.stdin!.on('error', () => writer.child.kill('SIGTERM'));
  const watch = (side: { argv: string[]; child: import('node:child_process').ChildProcess }, keepStdout: boolean) =>
    new Promise<RunResult>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      const tail = new TailBuffer(TAIL_LINES);
      if (keepStdout) {
        side.child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk;
          tail.push(chunk.toString());
          options.onOutput?.(chunk.toString());
        });
      }
      side.child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk;
        tail.push(chunk.toString());
      });
      side.child.on('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' || error.code === 'EACCES' ? new DockerNotFoundError(side.argv[0], error.message) : error),
      );
      side.child.on('close', (code, signal) => {
        const exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
        resolve({ exitCode, signal, interrupted, stdout, stderr, tail: tail.text(), argv: side.argv });
      });
    });
  const fromDone = watch(writer, false).then((result) => {
    if (result.exitCode !== 0) reader.child.kill('SIGTERM');
    return result;
  });
  const toDone = watch(reader, true).then((result) => {
    if (result.exitCode !== 0) writer.child.kill('SIGTERM');
    return result;
  });
  return Promise.all([fromDone, toDone])
    .then(([fromResult, toResult]) => ({ from: { ...fromResult, interrupted }, to: { ...toResult, interrupted } }))
    .finally(cleanUp);
}

/** Keeps the last N lines of a stream of chunks. */
class TailBuffer {
  private lines: string[] = [''];
  constructor(private readonly size: number) {}

  push(chunk: string): void {
    const parts = chunk.replace(/\r(?!\n)/g, '\n').split(/\r?\n/);
    this.lines[this.lines.length - 1] += parts[0];
    this.lines.push(...parts.slice(1));
    if (this.lines.length > this.size + 1) this.lines = this.lines.slice(-this.size - 1);
  }

  text(): string {
    return this.lines.join('\n').trim();
  }
}
