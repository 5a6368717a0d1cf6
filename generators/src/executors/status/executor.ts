import { log } from '../lib/log';
import { captureDocker } from '../lib/docker-cli';
import { DockerConnectionOptions, findContainer, loadNode } from '../lib/node-context';
import { containerName, containerState, kubeletHealthz, kubeletPods, manifestFiles, unitStates } from '../lib/node-probe';
import { nodeExecutor } from '../lib/run-executor';

export type StatusExecutorOptions = DockerConnectionOptions;

const UNITS = ['docker.service', 'cri-docker.socket', 'cri-docker.service', 'kubelet.service'];

/**
 * `nx run <node>:status`: container state, systemd units, kubelet health and static pods. Succeeds only when the
 * node is running and its kubelet is healthy, so that scripts can rely on it.
 */
export default nodeExecutor<StatusExecutorOptions>(async (options, context) => {
  const node = await loadNode(options, context);
  const id = await findContainer(node);
  if (!id) {
    log.info(`${node.projectName}: no container (start it: nx run ${node.projectName}:up)`);
    return false;
  }
  const state = await containerState(node, id);
  const name = await containerName(node, id);
  const lines = [`${node.projectName}`, `  container    ${name} (${id.slice(0, 12)}): ${state}`];
  if (state !== 'running') {
    log.info(lines.join('\n'));
    return false;
  }
  const system = (await captureDocker(node.target, ['exec', id, 'systemctl', 'is-system-running']).catch(() => 'unknown')) || 'unknown';
  const units = await unitStates(node, id, UNITS);
  const healthz = await kubeletHealthz(node, id);
  const pods = await kubeletPods(node, id);
  lines.push(
    `  systemd      ${system}`,
    ...UNITS.map((unit) => `  ${unit.padEnd(20)} ${units[unit]}`),
    `  kubelet      ${healthz === undefined ? 'not healthy' : `healthy (/healthz: ${healthz})`}`,
    pods !== undefined
      ? `  static pods  ${pods.length ? pods.join(', ') : 'none'} (read-only API :${node.kubelet.readOnlyPort})`
      : `  manifests    ${(await manifestFiles(node, id)).join(', ') || 'none'} (read-only API off or not answering)`,
  );
  log.info(lines.join('\n'));
  return healthz !== undefined;
});
