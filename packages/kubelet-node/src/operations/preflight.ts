/**
 * What an operation checks before it does anything, folded into its first real call: whether the daemon answers is
 * told by that call itself ({@link daemonCheck} only says why when it failed), and Compose is looked for once, in
 * parallel with it (or at the first Compose command of an operation that may need none). Each failure has a message
 * that says what to do.
 */
import { describeEngine, DockerTarget, runCommand, runDocker } from './docker-cli';
import { engineAdapter } from './engine-adapter';

/** How to run Compose: `docker compose` (v2) or `docker-compose` (v1 fallback). */
export interface ComposeCommand {
  /** The argv that Compose subcommands follow, e.g. ['docker', '--context', 'x', 'compose']. */
  prefix: string[];
  version: string;
}

/**
 * After a docker query failed: throws an Error that says the daemon is not reachable, and how to reach one, when that
 * is why (`docker version` cannot reach it); returns otherwise (the query failed for a reason of its own).
 */
export async function daemonCheck(target: DockerTarget): Promise<void> {
  const server = await runDocker(target, ['version', '--format', '{{.Server.Version}}'], { mode: 'capture' });
  if (server.exitCode !== 0 || server.stdout.trim() === '') {
    throw new Error(daemonUnreachableMessage(target, server.stderr, await contextAddress(target)));
  }
}

/** The address a docker context points at (read from the CLI's own configuration: no daemon needed). */
async function contextAddress(target: DockerTarget): Promise<string | undefined> {
  if (!target.context) return undefined;
  const inspect = await runDocker({ command: target.command }, ['context', 'inspect', target.context, '--format', '{{.Endpoints.docker.Host}}'], {
    mode: 'capture',
  });
  return inspect.exitCode === 0 ? inspect.stdout.trim() || undefined : undefined;
}

function daemonUnreachableMessage(target: DockerTarget, stderr: string, address?: string): string {
  const where = describeEngine(target, address);
  const reason =
    stderr
      .trim()
      .split('\n')
      .find((line) => line.trim() !== '') ?? 'no answer';
  const adapter = engineAdapter(target);
  return [`The ${adapter.kind === 'docker' ? 'Docker daemon' : adapter.name} is not reachable (${where}): ${reason}`, adapter.unreachableHint].join('\n');
}

/** Compose v2 (`docker compose`), else v1 (`docker-compose`); throws an Error that says how to install it. */
export async function findCompose(target: DockerTarget): Promise<ComposeCommand> {
  const adapter = engineAdapter(target);
  const v2 = await runCommand([...adapter.composePrefix(target), 'version', '--short'], { mode: 'capture', env: adapter.env(target) });
  if (v2.exitCode === 0) return { prefix: adapter.composePrefix(target), version: v2.stdout.trim() };
  // Podman: `podman compose` runs the provider there is (docker-compose v2); there is no v1 fallback of ours.
  if (adapter.kind !== 'docker') throw new Error(adapter.composeMissing);
  try {
    const v1 = await runCommand(['docker-compose', 'version', '--short'], { mode: 'capture' });
    const prefix = ['docker-compose', ...(target.context ? ['--context', target.context] : [])];
    if (v1.exitCode === 0) return { prefix, version: v1.stdout.trim() };
  } catch {
    // docker-compose v1 is not installed either
  }
  throw new Error(adapter.composeMissing);
}
