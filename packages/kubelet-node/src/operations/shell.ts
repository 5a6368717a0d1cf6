import { DockerConnectionOptions, NodeContext, runCompose } from './node-context';

export interface ShellOptions extends DockerConnectionOptions {
  /** Run this command (through bash -lc) instead of an interactive shell. */
  command?: string;
}

/** Compose exec arguments: a TTY only when both ends are terminals, so that piped and CI use works too. */
export function shellArgs(service: string, options: ShellOptions, tty: boolean): string[] {
  return ['exec', ...(tty ? [] : ['-T']), service, 'bash', ...(options.command !== undefined ? ['-lc', options.command] : ['-l'])];
}

/** `shell`: a shell in the node, or one command with --command; its exit code decides success (and is the CLI's). */
export async function shell(node: NodeContext, options: ShellOptions): Promise<number> {
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const result = await runCompose(node, shellArgs(node.service, options, tty), { mode: 'inherit' });
  return result.exitCode;
}
