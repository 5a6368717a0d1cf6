import { log } from './log';
import { captureDocker } from './docker-cli';
import { DockerConnectionOptions, findContainer, NodeContext } from './node-context';
import { containerName, containerState, kubeletHealthz, manifestFiles, unitStates } from './node-probe';
import { formatPod, readPods, summarizePod } from './pods';

export type StatusOptions = DockerConnectionOptions;

const UNITS = ['docker.service', 'cri-docker.socket', 'cri-docker.service', 'kubelet.service'];

/**
 * `status`: container state, systemd units, kubelet health and static pods (each with phase, readiness, restarts and
 * the reason when it is not Running). Succeeds only when the
 * node is running and its kubelet is healthy, so that scripts can rely on it.
 */
export async function status(node: NodeContext, _options: StatusOptions): Promise<boolean> {
  const id = await findContainer(node);
  if (!id) {
    log.info(`${node.name}: no container (start it: ${node.command('up')})`);
    return false;
  }
  const state = await containerState(node, id);
  const name = await containerName(node, id);
  const lines = [`${node.name}`, `  container    ${name} (${id.slice(0, 12)}): ${state}`];
  if (state !== 'running') {
    log.info(lines.join('\n'));
    return false;
  }
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
  log.info(lines.join('\n'));
  return healthz !== undefined;
}
