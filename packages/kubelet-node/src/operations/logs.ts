import { captureDocker, DockerCommandError, runDocker } from './docker-cli';
import { DockerConnectionOptions, NodeContext, NodeDescription, nodeName, runCompose, runningContainer } from './node-context';

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
  /**
   * Without --pod: true shows the node container's own console log (systemd's boot messages) instead of the journal.
   * With --pod: the name of the pod's container whose log to show (needed when the pod has several). @default false
   */
  container?: boolean | string;
  /** A static pod's logs instead of the journal: its manifest name (`web`) or the kubelet's (`web-<node>`). */
  pod?: string;
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

/**
 * The same for any command run in the node: it runs in the background and is killed when our stdin closes, so that
 * a Ctrl-C of `--follow` leaves nothing running in the node.
 */
export function stopWithStdin(argv: string[]): string[] {
  return ['sh', '-c', '"$@" & pid=$!; cat >/dev/null; kill "$pid" 2>/dev/null', 'sh', ...argv];
}

/** Before docker: options that contradict each other, an unknown unit. */
logs.check = (_node: NodeDescription, options: LogsOptions): void => {
  if (typeof options.container === 'string' && options.pod === undefined) {
    throw new Error(
      `--container=${options.container} names a pod's container: give the pod too (--pod=<name>), or use --container alone for the node's console log.`,
    );
  }
  if (options.pod === undefined && !options.container) journalctlArgs(options);
};

/** `logs`: the kubelet's journal by default, a static pod's container with --pod; Ctrl-C ends --follow cleanly. */
export async function logs(node: NodeContext, options: LogsOptions): Promise<boolean> {
  logs.check(node, options);
  const what = options.pod !== undefined ? 'docker logs' : options.container ? 'docker compose logs' : 'journalctl';
  const result = options.pod !== undefined ? await podLog(node, options) : options.container ? await containerLog(node, options) : await journal(node, options);
  if (result.interrupted) return true;
  if (result.exitCode !== 0) throw new DockerCommandError(result, what);
  return true;
}

export interface PodContainer {
  id: string;
  pod: string;
  namespace: string;
  container: string;
}

/**
 * Picks the container whose log `logs --pod` shows, from the node dockerd's k8s containers (newest first, as docker
 * ps lists them). Pure, unit-tested: the pod by its manifest name or the kubelet's `<name>-<node>`, the container by
 * name or as the pod's only one; a clear error otherwise.
 */
export function pickPodContainer(containers: PodContainer[], pod: string, container: string | undefined, nodeName: string): PodContainer {
  const ofPod = containers.filter((entry) => entry.container !== 'POD' && (entry.pod === pod || entry.pod === `${pod}-${nodeName}`));
  if (ofPod.length === 0) {
    const pods = [...new Set(containers.filter((entry) => entry.container !== 'POD').map((entry) => entry.pod))];
    throw new Error(
      `No container of a pod "${pod}" in the node${pods.length ? ` (pods with containers: ${pods.join(', ')})` : ' (no pod has started a container yet)'}. Its state and reason are in status.`,
    );
  }
  const names = [...new Set(ofPod.map((entry) => entry.container))];
  if (container === undefined) {
    if (names.length > 1) throw new Error(`Pod ${ofPod[0].pod} has the containers ${names.join(', ')}: choose one with --container=<name>.`);
    return ofPod[0];
  }
  const chosen = ofPod.find((entry) => entry.container === container);
  if (!chosen) throw new Error(`Pod ${ofPod[0].pod} has no container "${container}" (its containers: ${names.join(', ')}).`);
  return chosen;
}

/** A pod container's log, read by the node's own dockerd (cri-dockerd keeps the logs there, json-file). */
async function podLog(node: NodeContext, options: LogsOptions) {
  // The container as the operation's first query found it: logs only reads (no second docker ps).
  const id = await runningContainer(node, { atLoad: true });
  // One exec: the node's hostname (its first line: the kubelet names its pods after it), then its pods' containers.
  const listed = await captureDocker(node.target, [
    'exec',
    id,
    'sh',
    '-c',
    `printf 'host:%s\\n' "$(hostname 2>/dev/null)"; exec docker "$@"`,
    'sh',
    'ps',
    '--all',
    '--filter',
    'label=io.kubernetes.pod.name',
    '--format',
    '{{.ID}}|{{.Label "io.kubernetes.pod.name"}}|{{.Label "io.kubernetes.pod.namespace"}}|{{.Label "io.kubernetes.container.name"}}',
  ]);
  const [host, ...lines] = listed.split('\n');
  const hostname = host.startsWith('host:') ? host.slice('host:'.length) || undefined : undefined;
  const containers = lines.filter(Boolean).map((line) => {
    const [cid, pod, namespace, container] = line.split('|');
    return { id: cid, pod, namespace, container };
  });
  const chosen = pickPodContainer(
    containers,
    options.pod!,
    typeof options.container === 'string' ? options.container : undefined,
    await nodeName(node, id, hostname),
  );
  const args = [
    'docker',
    'logs',
    ...(options.since ? ['--since', options.since] : []),
    ...(options.tail !== undefined ? ['--tail', String(options.tail)] : []),
    ...(options.follow ? ['--follow'] : []),
    chosen.id,
  ];
  if (!options.follow) return runDocker(node.target, ['exec', id, ...args]);
  return runDocker(node.target, ['exec', '--interactive', id, ...stopWithStdin(args)], { holdStdin: true });
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
  // The container as the operation's first query found it: logs only reads (no second docker ps).
  const id = await runningContainer(node, { atLoad: true });
  const args = journalctlArgs(options);
  if (!options.follow) return runDocker(node.target, ['exec', id, 'journalctl', ...args]);
  return runDocker(node.target, ['exec', '--interactive', id, ...followWrapper(args)], { holdStdin: true });
}
