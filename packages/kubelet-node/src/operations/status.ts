import { log } from './log';
import { DockerConnectionOptions, NodeContext } from './node-context';
import { probeNode, refreshEngineHealth } from './node-probe';
import { formatPod, summarizePod } from './pods';

export interface StatusOptions extends DockerConnectionOptions {
  /** Only the summary line (for many nodes at once: `nx run-many -t status --brief`). @default false */
  brief?: boolean;
}

const UNITS = ['docker.service', 'cri-docker.socket', 'cri-docker.service', 'kubelet.service'];

/**
 * `status`: container state, systemd units, kubelet health and static pods (each with phase, readiness, restarts and
 * the reason when it is not Running). Succeeds only when the node is running and its kubelet is healthy, so that
 * scripts can rely on it. Two docker commands: the operation's first query (which finds the container, its name and
 * state: NodeContext.containerAtLoad) and one `docker exec` that asks the node everything else (node-probe's probeNode).
 */
export async function status(node: NodeContext, options: StatusOptions): Promise<boolean> {
  const container = node.containerAtLoad;
  if (!container) {
    log.info(`${node.name}: no container, on ${node.engine} (start it: ${node.command('up')})`);
    return false;
  }
  const { id, name, state } = container;
  const details = [`  container    ${name} (${id.slice(0, 12)}): ${state}, compose project ${node.composeProject}`];
  if (state !== 'running') {
    log.info([`${node.name}: container ${state}, on ${node.engine}`, ...(options.brief ? [] : details)].join('\n'));
    return false;
  }
  const lines = details;
  // Beside the probe: the engine's healthcheck record, where the engine cannot run it by itself (Podman).
  const [probe] = await Promise.all([probeNode(node, id, UNITS), refreshEngineHealth(node, id)]);
  const { healthz } = probe;
  const pods = probe.pods?.map(summarizePod);
  lines.push(
    ...(probe.unread ? [`  could not read the node: ${probe.unread}`] : []),
    `  systemd      ${probe.system}`,
    ...UNITS.map((unit) => `  ${unit.padEnd(20)} ${probe.units[unit]}`),
    `  kubelet      ${healthz === undefined ? 'not healthy' : `healthy (/healthz: ${healthz})`}`,
    pods !== undefined
      ? `  static pods  ${pods.length ? pods.map((pod) => pod.key).join(', ') : 'none'} (read-only API :${node.kubelet.readOnlyPort})`
      : `  manifests    ${probe.manifests.join(', ') || 'none'} (read-only API off or not answering)`,
    // One line per pod: phase, readiness, restarts, and the kubelet's reason when it is not Running.
    ...(pods ?? []).map((pod) => `    ${formatPod(pod)}`),
  );
  // First a line that says it all, so that many nodes' status (nx run-many -t status) reads as one line each.
  const running = pods?.filter((pod) => pod.done).length;
  const summary = [
    `${node.name}: ${healthz === undefined ? `kubelet NOT healthy${probe.unread ? ' (could not read the node)' : ''}` : 'kubelet healthy'}`,
    pods === undefined ? 'pods unknown' : `${running}/${pods.length} pods running`,
    `on ${node.engine}`,
  ].join(', ');
  log.info([summary, ...(options.brief ? [] : lines)].join('\n'));
  return healthz !== undefined;
}
