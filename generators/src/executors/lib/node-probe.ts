/** Questions asked of a running node through `docker exec`: is systemd up, is the kubelet healthy, which pods run. */
import { captureDocker, runDocker } from './docker-cli';
import { NodeContext } from './node-context';

// What kind waits for in the container log before its first `docker exec`: an early exec lands in the container's
// root cgroup and breaks cgroup v2 set-up (kind #2409).
const SYSTEMD_UP = /Reached target .*Multi-User System|detected cgroup v1/;

export type ContainerState = 'running' | 'exited' | 'created' | 'restarting' | 'paused' | 'dead' | 'removing';

export async function containerState(node: NodeContext, id: string): Promise<ContainerState> {
  return (await captureDocker(node.target, ['inspect', '--format', '{{.State.Status}}', id])) as ContainerState;
}

/** The container's name as docker shows it (without the leading slash of `docker inspect`). */
export async function containerName(node: NodeContext, id: string): Promise<string> {
  return (await captureDocker(node.target, ['inspect', '--format', '{{.Name}}', id])).replace(/^\//, '');
}

/** True once systemd has reached multi-user.target, judged from the container's console log. */
export async function systemdReady(node: NodeContext, id: string): Promise<boolean> {
  const logs = await runDocker(node.target, ['logs', '--tail', '300', id], { mode: 'capture' });
  return SYSTEMD_UP.test(logs.stdout + logs.stderr);
}

/** GET /healthz of the kubelet inside the container; the body ("ok") when it answers 200, else undefined. */
export async function kubeletHealthz(node: NodeContext, id: string): Promise<string | undefined> {
  const url = `http://127.0.0.1:${node.kubelet.healthzPort}/healthz`;
  const result = await runDocker(node.target, ['exec', id, 'curl', '-fsS', '--max-time', '2', url], { mode: 'capture' });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/**
 * Names of the pods the kubelet runs, from its read-only API (/pods). Undefined when the read-only port is off or
 * does not answer; then the manifests in /etc/kubernetes/manifests are the next best answer.
 */
export async function kubeletPods(node: NodeContext, id: string): Promise<string[] | undefined> {
  if (!node.kubelet.readOnlyPort) return undefined;
  const url = `http://127.0.0.1:${node.kubelet.readOnlyPort}/pods`;
  const result = await runDocker(node.target, ['exec', id, 'curl', '-fsS', '--max-time', '3', url], { mode: 'capture' });
  if (result.exitCode !== 0) return undefined;
  try {
    const podList = JSON.parse(result.stdout) as { items?: { metadata?: { name?: string; namespace?: string } }[] };
    return (podList.items ?? []).map((pod) => `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? '?'}`);
  } catch {
    return undefined;
  }
}

/** Static pod manifest files in the container. */
export async function manifestFiles(node: NodeContext, id: string): Promise<string[]> {
  const result = await runDocker(node.target, ['exec', id, 'ls', '-1', '/etc/kubernetes/manifests'], { mode: 'capture' });
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
