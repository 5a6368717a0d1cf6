import { log } from './log';
import { captureDocker } from './docker-cli';
import { DockerConnectionOptions, findContainer, NodeContext } from './node-context';
import { containerName, containerState, kubeletHealthz, manifestFiles, unitStates } from './node-probe';
import { formatPod, readPods, summarizePod } from './pods';

export interface StatusOptions extends DockerConnectionOptions {
  /** Only the summary line (for many nodes at once: `nx run-many -t status --brief`). @default false */
  brief?: boolean;
}

const UNITS = ['docker.service', 'cri-docker.socket', 'cri-docker.service', 'kubelet.service'];

/**
 * `status`: container state, systemd units, kubelet health and static pods (each with phase, readiness, restarts and
 * the reason when it is not Running). Succeeds only when the
 * node is running and its kubelet is healthy, so that scripts can rely on it.
 */
export async function status(node: NodeContext, options: StatusOptions): Promise<boolean> {
  const id = await findContainer(node);
  if (!id) {
    log.info(`${node.name}: no container, on ${node.engine} (start it: ${node.command('up')})`);
    return false;
  }
  const state = await containerState(node, id);
  const name = await containerName(node, id);
  const details = [`  container    ${name} (${id.slice(0, 12)}): ${state}, compose project ${node.composeProject}`];
  if (state !== 'running') {
    log.info([`${node.name}: container ${state}, on ${node.engine}`, ...(options.brief ? [] : details)].join('\n'));
    return false;
  }
  const lines = details;
  const system = (await captureDocker(node.target, ['exec', id, 'systemctl', 'is-system-running']).catch(() => 'unknown')) || 'unknown';
  const units = await unitStates(node, id, UNITS);
  const healthz = await kubeletHealthz(node, id);
  const pods = (await readPods(node, id))?.map(summarizePod);
  lines.push(
    `  systemd      ${system}`,
    ...UNITS.map((unit) => `  ${unit.padEnd(20)} ${units[unit]}`),
    `  kubelet      ${healthz === undefined ? 'not healthy' : `healthy (/healthz: ${healthz})`}`,
    pods !== undefined
      ? `  static pods  ${pods.length ? pods.map((pod) => pod.key).join(', ') : 'none'} (read-only API :${node.kubelet.readOnlyPort})`
      : `  manifests    ${(await manifestFiles(node, id)).join(', ') || 'none'} (read-only API off or not answering)`,
    // One line per pod: phase, readiness, restarts, and the kubelet's reason when it is not Running.
    ...(pods ?? []).map((pod) => `    ${formatPod(pod)}`),
  );
  // First a line that says it all, so that many nodes' status (nx run-many -t status) reads as one line each.
  const running = pods?.filter((pod) => pod.done).length;
  const summary = [
    `${node.name}: ${healthz === undefined ? 'kubelet NOT healthy' : 'kubelet healthy'}`,
    pods === undefined ? 'pods unknown' : `${running}/${pods.length} pods running`,
    `on ${node.engine}`,
  ].join(', ');
  log.info([summary, ...(options.brief ? [] : lines)].join('\n'));
  return healthz !== undefined;
}
