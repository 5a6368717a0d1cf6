import { log } from '../lib/log';
import { buildNode, BuildOptions } from '../lib/build-node';
import { captureDocker, DockerCommandError } from '../lib/docker-cli';
import { DockerConnectionOptions, findContainer, loadNode, NodeContext, runCompose } from '../lib/node-context';
import { containerName, containerState, journalTail, kubeletHealthz, kubeletPods, manifestFiles, systemdReady } from '../lib/node-probe';
import { nodeExecutor } from '../lib/run-executor';
import { Progress } from '../lib/progress';

export interface UpExecutorOptions extends DockerConnectionOptions, BuildOptions {
  /** Build the image first. @default false */
  build?: boolean;
  /** Wait until the kubelet answers /healthz. @default true */
  wait?: boolean;
  /** Seconds to wait for systemd and the kubelet. @default 180 */
  timeout?: number;
}

/** `nx run <node>:up`: starts the node and waits until its kubelet is healthy, then says what runs. */
export default nodeExecutor<UpExecutorOptions>(async (options, context) => {
  const node = await loadNode(options, context);
  if (options.build) await buildNode(node, options, context.root);
  const up = await runCompose(node, ['up', '--detach', '--no-build', node.service]);
  if (up.exitCode !== 0) throw new DockerCommandError(up, 'docker compose up');
  const id = await findContainer(node);
  if (!id) throw new Error(`docker compose up succeeded but no container of service "${node.service}" exists.`);
  if (options.wait === false) return true;

  const healthy = await waitUntilHealthy(node, id, (options.timeout ?? 180) * 1000);
  if (!healthy) return false;
  await printSummary(node, id);
  return true;
});

async function waitUntilHealthy(node: NodeContext, id: string, timeoutMs: number): Promise<boolean> {
  const progress = new Progress(`${node.projectName}: waiting for the kubelet`, timeoutMs);
  let phase = 'systemd starting';
  while (!progress.expired()) {
    const state = await containerState(node, id);
    if (state !== 'running') {
      progress.done();
      const logs = await captureDocker(node.target, ['logs', '--tail', '30', id]).catch((error: Error) => error.message);
      throw new Error(`The node's container stopped (state: ${state}) while starting. Its last console lines:\n${logs}`);
    }
    if (phase === 'systemd starting' && (await systemdReady(node, id))) phase = 'kubelet starting';
    if (phase === 'kubelet starting' && (await kubeletHealthz(node, id)) !== undefined) {
      progress.done(`${node.projectName}: kubelet healthy after ${progress.elapsedSeconds()} s`);
      return true;
    }
    progress.update(phase);
    await sleep(1000);
  }
  progress.done();
  const journal = await journalTail(node, id, 'kubelet', 30);
  log.error(`nx-kubelet: the kubelet of ${node.projectName} did not become healthy within ${timeoutMs / 1000} s (${phase}). Last kubelet journal lines:\n${journal}`);
  log.error(`More: nx run ${node.projectName}:logs, nx run ${node.projectName}:status. The container keeps running; stop it with nx run ${node.projectName}:down.`);
  return false;
}

async function printSummary(node: NodeContext, id: string): Promise<void> {
  const name = await containerName(node, id);
  const hostname = await captureDocker(node.target, ['exec', id, 'hostname']);
  const pods = (await kubeletPods(node, id)) ?? (await manifestFiles(node, id)).map((file) => `${file} (manifest)`);
  log.info(
    [
      `${node.projectName} is up`,
      `  container    ${name} (${id.slice(0, 12)})`,
      `  node name    ${hostname}`,
      `  kubelet      healthy: http://127.0.0.1:${node.kubelet.healthzPort}/healthz inside the container`,
      `  static pods  ${pods.length ? pods.join(', ') : 'none'}`,
    ].join('\n'),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
