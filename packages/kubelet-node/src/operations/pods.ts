/**
 * The static pods as the kubelet reports them: its read-only API (/pods on readOnlyPort, loopback inside the node)
 * fills in the status of static pods although there is no API server. Read through `docker exec … curl`, never
 * through a published port.
 */
import type { ChildProcess } from 'node:child_process';
import { runDocker, RunResult } from './docker-cli';
import { endsWhenStdinCloses } from './node-probe';
import { kubeletUrl, NodeContext, nodeName } from './node-context';

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: { reason?: string; exitCode?: number; message?: string };
  };
}

export interface KubeletPod {
  metadata: { name: string; namespace?: string; uid?: string; annotations?: Record<string, string> };
  spec?: { nodeName?: string; containers?: { name: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    /** When the kubelet accepted the pod. */
    startTime?: string;
    /** Ready, ContainersReady, Initialized, PodScheduled…, each with when it last changed. */
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

/** Waiting reasons after which a pod does not get Running by waiting longer: report them at once. */
export const FAILURE_REASONS = new Set([
  'ErrImageNeverPull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** Thrown when Ctrl-C (or SIGTERM) ended a question to the node: the answer is unknown, not "no". */
export class InterruptedError extends Error {
  constructor(what: string) {
    super(`interrupted while ${what}.`);
    this.name = 'InterruptedError';
  }
}

/**
 * The kubelet's pods (undefined when the read-only API is off or does not answer). Throws {@link InterruptedError}
 * when Ctrl-C ended the request, which says nothing about the API.
 */
export async function readPods(node: NodeContext, id: string): Promise<KubeletPod[] | undefined> {
  if (!node.kubelet.readOnlyPort) return undefined;
  const result = await runDocker(node.target, ['exec', id, 'curl', '-fsS', '--max-time', '3', kubeletUrl(node, 'pods')], { mode: 'capture' });
  if (result.interrupted) throw new InterruptedError(`reading the pods of ${node.name}`);
  if (result.exitCode !== 0) return undefined;
  return parsePods(result.stdout);
}

/** The pods in the read-only API's answer to /pods (a PodList), or undefined when it is not one. */
export function parsePods(text: string): KubeletPod[] | undefined {
  try {
    return ((JSON.parse(text) as { items?: KubeletPod[] }).items ?? []).filter((pod) => pod?.metadata?.name);
  } catch {
    return undefined;
  }
}

export interface PodSummary {
  /** namespace/name as the kubelet names it (`<manifest name>-<node name>`). */
  key: string;
  phase: string;
  /** ready containers / containers */
  ready: string;
  restarts: number;
  /** Why it is not Running and ready: the kubelet's reason and message, if it gave one. */
  reason?: string;
  /** Running with every container ready, or Succeeded (a run-once pod that finished). */
  done: boolean;
  /** Will not get Running by waiting: a reason in {@link FAILURE_REASONS}, or phase Failed. */
  failed: boolean;
  configHash?: string;
}

/** What a pod's status says, in one line's worth of fields (pure, unit-tested). */
export function summarizePod(pod: KubeletPod): PodSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = Math.max(statuses.length, pod.spec?.containers?.length ?? 0);
  const ready = statuses.filter((status) => status.ready).length;
  const phase = pod.status?.phase ?? 'Unknown';
  const restarts = statuses.reduce((sum, status) => sum + (status.restartCount ?? 0), 0);
  const reasons: string[] = [];
  let failed = phase === 'Failed';
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...statuses]) {
    const waiting = status.state?.waiting;
    const terminated = status.state?.terminated;
    if (waiting?.reason) {
      if (FAILURE_REASONS.has(waiting.reason)) failed = true;
      reasons.push(`${status.name}: ${waiting.reason}${waiting.message ? ` (${firstLine(waiting.message)})` : ''}`);
    } else if (terminated && phase !== 'Succeeded') {
      reasons.push(
        `${status.name}: ${terminated.reason ?? 'Terminated'} (exit code ${terminated.exitCode ?? '?'})${terminated.message ? ` ${firstLine(terminated.message)}` : ''}`,
      );
    }
  }
  if (pod.status?.reason) reasons.unshift(`${pod.status.reason}${pod.status.message ? `: ${firstLine(pod.status.message)}` : ''}`);
  const done = phase === 'Succeeded' || (phase === 'Running' && containers > 0 && ready === containers);
  return {
    key: `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`,
    phase,
    ready: `${ready}/${containers}`,
    restarts,
    reason: done ? undefined : reasons.join('; ') || (phase === 'Pending' ? 'no container started yet' : undefined),
    done,
    failed,
    configHash: pod.metadata.annotations?.['kubernetes.io/config.hash'],
  };
}

/** One line per pod: `default/web-node1  Running  1/1 ready  0 restarts`, with the reason when not Running. */
export function formatPod(summary: PodSummary): string {
  const restarts = `${summary.restarts} restart${summary.restarts === 1 ? '' : 's'}`;
  return `${summary.key}  ${summary.phase}  ${summary.ready} ready  ${restarts}${summary.reason ? `  ${summary.reason}` : ''}`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** A static pod as its manifest names it; the kubelet names the pod `<name>-<node name>`. */
export interface PodRef {
  name: string;
  namespace: string;
}

/** The kubelet's pod for a manifest's pod, if it reports one. */
export function findPod(pods: KubeletPod[], ref: PodRef, nodeName: string): KubeletPod | undefined {
  return pods.find((pod) => (pod.metadata.namespace ?? 'default') === ref.namespace && pod.metadata.name === `${ref.name}-${pod.spec?.nodeName ?? nodeName}`);
}

export interface PodWait {
  /** Pods that must be Running and ready (or Succeeded); with `notHash`, only once their config hash differs from it. */
  running: (PodRef & { notHash?: string })[];
  /** Pods that must be gone (their manifest was removed). */
  gone: PodRef[];
}

export interface PodWaitOutcome {
  ok: boolean;
  /** ms from the wait's start until the first awaited pod was Running (undefined if none was). */
  firstRunningMs?: number;
  /** One line per awaited pod (its state at the end). */
  lines: string[];
  /**
   * Why the wait ended without success: 'failed' (a pod reported a failure reason), 'timeout', 'no-api' (the
   * read-only API does not answer), 'cancelled' (the caller's `cancelled()`), 'interrupted' (Ctrl-C/SIGTERM).
   */
  why?: 'failed' | 'timeout' | 'no-api' | 'cancelled' | 'interrupted';
}

/**
 * Polls the kubelet's /pods inside the node, in one long-lived `docker exec --interactive` (`$1` the URL, `$2` seconds
 * at most; exit 3 past them): every 100 ms, printing the answer on one line whenever it differs from the last one
 * printed (JSON has no raw newline inside its strings, so dropping newlines keeps it whole), `!` and exit 4 when the
 * read-only API does not answer. The host reads the lines as they come and ends the exec by closing its stdin
 * ({@link endsWhenStdinCloses}): one exec per wait instead of one per poll.
 */
export const PODS_POLL_SCRIPT = endsWhenStdinCloses(
  [
    'url=$1; end=$(( $(date +%s) + $2 )); last=',
    'while :; do',
    '  body=$(curl -fsS --max-time 3 "$url" 2>/dev/null) || { echo "!"; exit 4; }',
    '  if [ "$body" != "$last" ]; then printf "%s" "$body" | tr -d "\\n"; echo; last=$body; fi',
    '  [ "$(date +%s)" -gt "$end" ] && exit 3',
    '  sleep 0.1 2>/dev/null || sleep 1',
    'done',
  ].join('\n'),
);

/** A {@link PODS_POLL_SCRIPT} already running (apply's commit goes on as one): its client, its end, its output from now on. */
export interface PodsExec {
  child: ChildProcess;
  result: Promise<RunResult>;
  subscribe: (onChunk: (chunk: string) => void) => void;
}

const NO_API_LINE = `the kubelet's read-only API (readOnlyPort in kubelet.yaml) is off or does not answer: cannot tell whether the pods run`;

/**
 * Waits until every pod of `wait.running` is Running and ready and every pod of `wait.gone` has disappeared, reading
 * /pods as {@link PODS_POLL_SCRIPT} reports its changes (every 100 ms in the node, one `docker exec` in all); ends
 * early when a pod reports a reason that waiting does not cure (image pull back-off, crash loop…).
 */
export async function waitForPods(
  node: NodeContext,
  id: string,
  wait: PodWait,
  timeoutMs: number,
  { onState, cancelled, exec }: { onState?: (state: string) => void; cancelled?: () => boolean; exec?: PodsExec } = {},
): Promise<PodWaitOutcome> {
  const start = Date.now();
  let host: string;
  try {
    host = await nodeName(node, id);
  } catch (error) {
    exec?.child.stdin?.end();
    throw error;
  }
  let firstRunningMs: number | undefined;
  let lines: string[] = [];
  let outcome: PodWaitOutcome | undefined;
  let child: ChildProcess | undefined;
  const total = wait.running.length + wait.gone.length;
  const finish = (result: PodWaitOutcome) => {
    if (outcome) return;
    outcome = result;
    // Closing stdin ends the loop in the node (and with it the exec); the kill is for an exec that hangs.
    child?.stdin?.end();
    guard = setTimeout(() => child?.kill('SIGTERM'), 5000);
  };
  let guard: NodeJS.Timeout | undefined;
  const evaluate = (pods: KubeletPod[]) => {
    const now: string[] = [];
    let pending = 0;
    let failed = false;
    for (const ref of wait.running) {
      const pod = findPod(pods, ref, host);
      const summary = pod && summarizePod(pod);
      if (!summary) {
        pending++;
        now.push(`${ref.namespace}/${ref.name}-${host}  not reported by the kubelet yet`);
      } else if (ref.notHash !== undefined && summary.configHash === ref.notHash) {
        pending++;
        now.push(`${summary.key}  still the previous version (the kubelet has not read the new manifest yet)`);
      } else {
        if (summary.phase === 'Running' && firstRunningMs === undefined) firstRunningMs = Date.now() - start;
        if (!summary.done) pending++;
        if (summary.failed) failed = true;
        now.push(formatPod(summary));
      }
    }
    for (const ref of wait.gone) {
      const pod = findPod(pods, ref, host);
      if (pod) {
        pending++;
        now.push(`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}  still there (its manifest was removed)`);
      }
    }
    lines = now;
    if (pending === 0) return finish({ ok: true, firstRunningMs, lines });
    if (failed) return finish({ ok: false, why: 'failed', firstRunningMs, lines });
    onState?.(`${total - pending}/${total} pods ready`);
  };
  let buffered = '';
  const onData = (chunk: Buffer | string) => {
    buffered += chunk.toString();
    let newline;
    while (!outcome && (newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const pods = line === '!' ? undefined : parsePods(line);
      if (pods === undefined) finish({ ok: false, why: 'no-api', lines: [NO_API_LINE] });
      else evaluate(pods);
    }
  };
  const timer = setTimeout(() => finish({ ok: false, why: 'timeout', firstRunningMs, lines }), timeoutMs);
  const check = setInterval(() => {
    if (cancelled?.()) finish({ ok: false, why: 'cancelled', firstRunningMs, lines });
  }, 100);
  try {
    let running: Promise<RunResult>;
    if (exec) {
      child = exec.child;
      exec.subscribe(onData);
      running = exec.result;
    } else {
      const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000) + 5));
      running = runDocker(node.target, ['exec', '--interactive', id, 'sh', '-c', PODS_POLL_SCRIPT, 'sh', kubeletUrl(node, 'pods'), seconds], {
        mode: 'capture',
        holdStdin: true,
        onSpawn: (spawned) => {
          child = spawned;
          spawned.stdout?.on('data', onData);
        },
      });
    }
    const result = await running;
    if (outcome) return outcome;
    if (result.interrupted) return { ok: false, why: cancelled?.() ? 'cancelled' : 'interrupted', firstRunningMs, lines: [] };
    if (result.exitCode === 3) return { ok: false, why: 'timeout', firstRunningMs, lines };
    // The exec itself failed (the container stopped, no curl…): as a /pods that does not answer.
    return { ok: false, why: 'no-api', lines: [NO_API_LINE] };
  } finally {
    clearTimeout(timer);
    clearInterval(check);
    clearTimeout(guard);
  }
}
