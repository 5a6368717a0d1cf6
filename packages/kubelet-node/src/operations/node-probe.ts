/** Questions asked of a running node through `docker exec`: is systemd up, is the kubelet healthy, which pods run. */
import type { ChildProcess } from 'node:child_process';
import { captureDocker, RunResult, runCommand, runDocker } from './docker-cli';
import { engineAdapter } from './engine-adapter';
import { ContainerState, kubeletUrl, NodeContext } from './node-context';
import { InterruptedError, KubeletPod, parsePods } from './pods';

export type { ContainerState } from './node-context';

// What kind waits for in the container log before its first `docker exec`: an early exec lands in the container's
// root cgroup and breaks cgroup v2 set-up (kind #2409).
export const SYSTEMD_UP = /Reached target .*Multi-User System|detected cgroup v1/;

/**
 * Has the engine run the container's healthcheck now, when it does not run it by itself (Podman with no systemd: see
 * engine-adapter.ts), so that `podman ps` shows what the operation saw. Its outcome is the engine's record only: the
 * operations judge health by the kubelet's /healthz themselves. Never throws.
 */
export async function refreshEngineHealth(node: NodeContext, id: string): Promise<void> {
  const argv = engineAdapter(node.target).healthcheckNow(node.target, id);
  if (argv) await runCommand(argv, { mode: 'capture', env: engineAdapter(node.target).env(node.target) }).catch(() => undefined);
}

export async function containerState(node: NodeContext, id: string): Promise<ContainerState> {
  return (await captureDocker(node.target, ['inspect', '--format', '{{.State.Status}}', id])) as ContainerState;
}

/** The container's name as docker shows it (without the leading slash of `docker inspect`). */
export async function containerName(node: NodeContext, id: string): Promise<string> {
  return (await captureDocker(node.target, ['inspect', '--format', '{{.Name}}', id])).replace(/^\//, '');
}

/**
 * Follows the container's console log (`docker logs --follow`, from its last 300 lines) until systemd reports
 * multi-user.target: the moment the line arrives, with no polling. Ends early when the log ends (the container
 * stopped) or at `deadline` (a Date.now() value).
 */
export async function waitForSystemd(node: NodeContext, id: string, deadline: number): Promise<'ready' | 'ended' | 'timeout' | 'interrupted'> {
  let outcome: 'ready' | 'timeout' | undefined;
  let child: ChildProcess | undefined;
  let recent = '';
  const stop = (why: 'ready' | 'timeout') => {
    outcome ??= why;
    child?.kill('SIGTERM');
  };
  const timer = setTimeout(() => stop('timeout'), Math.max(0, deadline - Date.now()));
  const onData = (chunk: Buffer) => {
    // Lines may be split across chunks: test what came since the last match attempt plus a carried-over tail.
    recent = (recent + chunk.toString()).slice(-4096);
    if (SYSTEMD_UP.test(recent)) stop('ready');
  };
  try {
    // Only this boot's lines: a restarted container still has the previous boot's "Reached target" in its log.
    const startedAt = (await runDocker(node.target, ['inspect', '--format', '{{.State.StartedAt}}', id], { mode: 'capture' })).stdout.trim();
    const since = /^\d{4}-\d\d-\d\dT/.test(startedAt) ? ['--since', startedAt] : ['--tail', '300'];
    const result = await runDocker(node.target, ['logs', '--follow', ...since, id], {
      mode: 'capture',
      onSpawn: (spawned) => {
        child = spawned;
        spawned.stdout?.on('data', onData);
        spawned.stderr?.on('data', onData);
        if (outcome) spawned.kill('SIGTERM');
      },
    });
    if (outcome) return outcome;
    return result.interrupted ? 'interrupted' : 'ended';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The shell loop run by {@link waitForHealthz} inside the node: GET /healthz every 100 ms until it answers 200
 * (prints the body, exits 0) or `seconds` have passed (exits 3). It also ends when its stdin closes (the client went
 * away, e.g. Ctrl-C): `docker exec` does not stop what it started when the client ends.
 */
export const HEALTHZ_POLL_SCRIPT = endsWhenStdinCloses(
  [
    'url=$1; end=$(( $(date +%s) + $2 ))',
    'while :; do',
    '  curl -fsS --max-time 2 "$url" 2>/dev/null && exit 0',
    '  [ "$(date +%s)" -gt "$end" ] && exit 3',
    '  sleep 0.1 2>/dev/null || sleep 1',
    'done',
  ].join('\n'),
);

/**
 * Wraps a shell script run by `docker exec --interactive` (with stdin held open: RunOptions.holdStdin) so that it
 * ends when its stdin closes: `docker exec` does not stop what it started when the client goes away (Ctrl-C), and a
 * polling loop would otherwise run on in the node until its own timeout. The script runs in a subshell (with the
 * same arguments); its exit status is the wrapper's.
 */
export function endsWhenStdinCloses(script: string): string {
  return [
    // A background job's stdin is /dev/null in a script: keep ours as fd 3 for the watcher.
    'exec 3<&0',
    '(',
    script,
    ') 3<&- &',
    'job=$!',
    // Its output goes nowhere: a leftover holding our stdout would keep `docker exec` from returning.
    '( cat >/dev/null; kill "$job" 2>/dev/null ) <&3 >/dev/null 2>&1 &',
    'watch=$!',
    'exec 3<&-',
    'wait "$job"; status=$?',
    'kill "$watch" 2>/dev/null',
    'exit "$status"',
  ].join('\n');
}

export type HealthzWait =
  { outcome: 'healthy'; body: string } | { outcome: 'timeout' | 'interrupted' } | { outcome: 'failed'; exitCode: number; output: string };

/**
 * Waits until the kubelet answers /healthz, polling inside the node ({@link HEALTHZ_POLL_SCRIPT}) with one
 * `docker exec` instead of one per attempt: healthy within ~100 ms of the kubelet being so, for at most `seconds`.
 * 'failed' when the exec itself failed (e.g. the container stopped).
 */
export async function waitForHealthz(node: NodeContext, id: string, seconds: number): Promise<HealthzWait> {
  const url = kubeletUrl(node, 'healthz');
  let child: ChildProcess | undefined;
  // A guard in case the exec hangs (an unresponsive engine): the loop inside ends on its own at `seconds`.
  const guard = setTimeout(() => child?.kill('SIGTERM'), (seconds + 15) * 1000);
  try {
    const result = await runDocker(node.target, ['exec', '--interactive', id, 'sh', '-c', HEALTHZ_POLL_SCRIPT, 'sh', url, String(Math.max(1, seconds))], {
      mode: 'capture',
      holdStdin: true,
      onSpawn: (spawned) => (child = spawned),
    });
    if (result.interrupted) return { outcome: 'interrupted' };
    if (result.exitCode === 0) return { outcome: 'healthy', body: result.stdout.trim() };
    if (result.exitCode === 3) return { outcome: 'timeout' };
    return { outcome: 'failed', exitCode: result.exitCode, output: result.tail };
  } finally {
    clearTimeout(guard);
  }
}

/** GET /healthz of the kubelet inside the container; the body ("ok") when it answers 200, else undefined. */
export async function kubeletHealthz(node: NodeContext, id: string): Promise<string | undefined> {
  const url = kubeletUrl(node, 'healthz');
  const result = await runDocker(node.target, ['exec', id, 'curl', '-fsS', '--max-time', '2', url], { mode: 'capture' });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/**
 * Static pod manifest files in the container (its kubelet's staticPodPath): what the kubelet runs when its read-only
 * API (pods.ts readPods) cannot say.
 */
export async function manifestFiles(node: NodeContext, id: string): Promise<string[]> {
  const result = await runDocker(node.target, ['exec', id, 'ls', '-1', node.kubelet.staticPodPath], { mode: 'capture' });
  return result.exitCode === 0 ? result.stdout.split('\n').filter((name) => name && !name.startsWith('.')) : [];
}

/** `systemctl is-active` of each unit: unit → state (active, inactive, failed, activating…). */
export async function unitStates(node: NodeContext, id: string, units: string[]): Promise<Record<string, string>> {
  const result = await runDocker(node.target, ['exec', id, 'systemctl', 'is-active', ...units], { mode: 'capture' });
  const states = result.stdout.trim().split('\n');
  return Object.fromEntries(units.map((unit, index) => [unit, states[index] || 'unknown']));
}

/** The last lines of a unit's journal. */
export async function journalTail(node: NodeContext, id: string, unit: string, lines: number): Promise<string> {
  const result = await runDocker(node.target, ['exec', id, 'journalctl', '--no-pager', '--unit', unit, '--lines', String(lines)], { mode: 'capture' });
  return (result.stdout + result.stderr).trim();
}

/**
 * The script {@link probeNode} runs inside the node: every question status asks, in one `docker exec`. Each answer is
 * printed followed by a line `@@kubelet-node <question> <code>` (the command's exit code; for the kubelet's endpoints
 * the HTTP status, 000 when it did not answer), and the last line is `@@kubelet-node end 0`: an answer without its line
 * (the exec failed or ended early) is not known. One curl asks both endpoints, while systemd is asked (its answers are
 * kept until curl has written its own); the manifest files are listed by the shell itself. Arguments: the kubelet's
 * /healthz URL, its /pods URL (`-`: the read-only API is off), the static pod folder, then the systemd units.
 */
export const NODE_PROBE_SCRIPT = [
  'healthz=$1; pods=$2; manifests=$3; shift 3',
  `ask() { printf '%s\\n@@kubelet-node %s %s\\n' "$2" "$1" "$3"; }`,
  'if [ "$pods" = - ]; then',
  `  curl -sS --max-time 2 --write-out '\\n@@kubelet-node healthz %{http_code}\\n' "$healthz" 2>/dev/null &`,
  'else',
  `  curl -sS --max-time 2 --write-out '\\n@@kubelet-node healthz %{http_code}\\n' "$healthz" \\`,
  `    --next -sS --max-time 3 --write-out '\\n@@kubelet-node pods %{http_code}\\n' "$pods" 2>/dev/null &`,
  'fi',
  'system=$(systemctl is-system-running 2>/dev/null); systemCode=$?',
  'units=$(systemctl is-active "$@" 2>/dev/null); unitsCode=$?',
  'wait',
  'ask system "$system" "$systemCode"',
  'ask units "$units" "$unitsCode"',
  `for file in "$manifests"/*; do if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\\n' "\${file##*/}"; fi; done`,
  "printf '@@kubelet-node manifests 0\\n@@kubelet-node end 0\\n'",
].join('\n');

/** What a running node answered to {@link probeNode}; `unknown` (or undefined) for what it could not be asked. */
export interface NodeProbe {
  /** `systemctl is-system-running`: running, degraded, starting…; 'unknown' when it printed nothing. */
  system: string;
  /** `systemctl is-active` of each unit: unit → state (active, inactive, failed, activating…, or 'unknown'). */
  units: Record<string, string>;
  /** The body of the kubelet's /healthz when it answered 200 ("ok"), else undefined. */
  healthz?: string;
  /** The kubelet's pods from its read-only API; undefined when the API is off, does not answer or answers no JSON. */
  pods?: KubeletPod[];
  /** The static pod manifest files in the node (what the kubelet runs when its read-only API cannot say). */
  manifests: string[];
  /** Why the node could not be asked everything (the exec failed or ended early), if so. */
  unread?: string;
}

/**
 * Asks a running node, in ONE `docker exec` ({@link NODE_PROBE_SCRIPT}), everything status reports: systemd's state,
 * the units', the kubelet's /healthz, its pods (read-only API) and its manifest files. Throws
 * {@link InterruptedError} when Ctrl-C ended it.
 */
export async function probeNode(node: NodeContext, id: string, units: string[]): Promise<NodeProbe> {
  const pods = node.kubelet.readOnlyPort ? kubeletUrl(node, 'pods') : '-';
  const args = [kubeletUrl(node, 'healthz'), pods, node.kubelet.staticPodPath, ...units];
  const result = await runDocker(node.target, ['exec', id, 'sh', '-c', NODE_PROBE_SCRIPT, 'sh', ...args], { mode: 'capture' });
  if (result.interrupted) throw new InterruptedError(`reading the state of ${node.name}`);
  return readProbe(result, units);
}

/** The answers in a probe's output (pure). */
export function readProbe(result: Pick<RunResult, 'stdout' | 'exitCode' | 'tail'>, units: string[]): NodeProbe {
  const answers = new Map<string, { text: string; exitCode: number }>();
  let lines: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const marker = /^@@kubelet-node (\w+) (\d+)$/.exec(line);
    if (!marker) {
      lines.push(line);
      continue;
    }
    answers.set(marker[1], { text: lines.join('\n'), exitCode: Number(marker[2]) });
    lines = [];
  }
  const ok = (question: string) => (answers.get(question)?.exitCode === 0 ? answers.get(question)!.text : undefined);
  // The kubelet's endpoints: what a 2xx answer said (as `curl --fail` takes it), else undefined.
  const answered = (endpoint: string) => {
    const code = answers.get(endpoint)?.exitCode ?? 0;
    return code >= 200 && code < 300 ? answers.get(endpoint)!.text : undefined;
  };
  const states = (answers.get('units')?.text ?? '').split('\n');
  return {
    system: answers.get('system')?.text.trim() || 'unknown',
    units: Object.fromEntries(units.map((unit, index) => [unit, states[index]?.trim() || 'unknown'])),
    healthz: answered('healthz')?.trim(),
    pods: answered('pods') === undefined ? undefined : parsePods(answered('pods')!),
    manifests: (ok('manifests') ?? '').split('\n').filter((name) => name && !name.startsWith('.')),
    unread: answers.has('end')
      ? undefined
      : `docker exec ended with exit code ${result.exitCode} before the node answered everything${
          result.tail
            ? `: ${
                result.tail
                  .split('\n')
                  .filter((line) => !line.startsWith('@@kubelet-node '))
                  .pop() ?? ''
              }`
            : ''
        }`,
  };
}
