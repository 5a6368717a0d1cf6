import { DockerConnectionOptions, loadNode, runCompose } from '../lib/node-context';
import { nodeExecutor } from '../lib/run-executor';

export interface ShellExecutorOptions extends DockerConnectionOptions {
  /** Run this command (through bash -lc) instead of an interactive shell. */
  command?: string;
}

/** Compose exec arguments: a TTY only when both ends are terminals, so that piped and CI use works too. */
export function shellArgs(service: string, options: ShellExecutorOptions, tty: boolean): string[] {
  return ['exec', ...(tty ? [] : ['-T']), service, 'bash', ...(options.command !== undefined ? ['-lc', options.command] : ['-l'])];
}

/** `nx run <node>:shell`: a shell in the node, or one command with --command; its exit code decides success. */
export default nodeExecutor<ShellExecutorOptions>(async (options, context) => {
  const node = await loadNode(options, context);
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const result = await runCompose(node, shellArgs(node.service, options, tty), { mode: 'inherit' });
  return result.exitCode === 0;
});
