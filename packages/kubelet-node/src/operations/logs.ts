import { DockerCommandError, runDocker } from './docker-cli';
import { DockerConnectionOptions, findContainer, NodeContext, runCompose } from './node-context';

export type LogUnit = 'kubelet' | 'cri-docker' | 'docker' | 'all';

export interface LogsOptions extends DockerConnectionOptions {
  /** Which systemd unit's journal: kubelet, cri-docker, docker, or all. @default kubelet */
  unit?: LogUnit;
  /** Keep printing new lines until Ctrl-C. @default false */
  follow?: boolean;
  /** Only lines since this time (journalctl/docker syntax: "10 min ago", "2026-11-24 10:00", "10m"). */
  since?: string;
  /** Only the last N lines. */
  tail?: number;
  /** The container's own console log (systemd's boot messages) instead of the journal. @default false */
  container?: boolean;
}

const UNIT_NAMES: Record<Exclude<LogUnit, 'all'>, string[]> = {
  kubelet: ['kubelet.service'],
  'cri-docker': ['cri-docker.service', 'cri-docker.socket'],
  docker: ['docker.service'],
};

/** journalctl arguments for the options (pure, unit-tested). */
export function journalctlArgs(options: LogsOptions): string[] {
  const unit = options.unit ?? 'kubelet';
  if (unit !== 'all' && !(unit in UNIT_NAMES)) {
    throw new Error(`Unknown --unit "${unit}": use kubelet, cri-docker, docker or all.`);
  }
  return [
    '--no-pager',
    ...(unit === 'all' ? [] : UNIT_NAMES[unit].flatMap((name) => ['--unit', name])),
    ...(options.since ? ['--since', options.since] : []),
    ...(options.tail !== undefined ? ['--lines', String(options.tail)] : []),
    ...(options.follow ? ['--follow'] : []),
  ];
}

/**
 * A following journalctl is wrapped so that it ends when our stdin closes: `docker exec` does not stop the process
 * it started when the client goes away, and a Ctrl-C would otherwise leave a journalctl running in the node.
 */
export function followWrapper(journalArgs: string[]): string[] {
  return ['sh', '-c', 'journalctl "$@" & pid=$!; cat >/dev/null; kill "$pid" 2>/dev/null', 'journalctl', ...journalArgs];
}

/** `logs`: the kubelet's journal by default; Ctrl-C ends --follow cleanly. */
export async function logs(node: NodeContext, options: LogsOptions): Promise<boolean> {
  const result = options.container ? await containerLog(node, options) : await journal(node, options);
  if (result.interrupted) return true;
  if (result.exitCode !== 0) throw new DockerCommandError(result, options.container ? 'docker compose logs' : 'journalctl');
  return true;
}

function containerLog(node: NodeContext, options: LogsOptions) {
  const args = [
    'logs',
    '--no-log-prefix',
    ...(options.follow ? ['--follow'] : []),
    ...(options.since ? ['--since', options.since] : []),
    ...(options.tail !== undefined ? ['--tail', String(options.tail)] : []),
    node.service,
  ];
  return runCompose(node, args);
}

async function journal(node: NodeContext, options: LogsOptions) {
  const id = await findContainer(node);
  if (!id) throw new Error(`${node.name} has no container. Start it: ${node.command('up')}`);
  const args = journalctlArgs(options);
  if (!options.follow) return runDocker(node.target, ['exec', id, 'journalctl', ...args]);
  return runDocker(node.target, ['exec', '--interactive', id, ...followWrapper(args)], { holdStdin: true });
}
