import { formatFindings } from '../core/exposure';
import { log } from './log';
import { buildNode, BuildOptions, checkBuild } from './build-node';
import { captureDocker, DockerCommandError, runDocker } from './docker-cli';
import { DockerConnectionOptions, findContainer, kubeletUrl, NodeContext, NodeDescription, nodeName, refuseSharedVolumes, runCompose } from './node-context';
import { containerName, containerState, journalTail, manifestFiles, refreshEngineHealth, waitForHealthz, waitForSystemd } from './node-probe';
import { InterruptedError, readPods, summarizePod } from './pods';
import { Progress } from './progress';
import { readNodeFolder, reportWait } from './apply';
import { loadImages } from './load';
import { manifestImages, parseManifest, StaticPod } from '../core/manifests';

export interface UpOptions extends DockerConnectionOptions, BuildOptions {
  /**
   * Bring the image up to date first, as `build` does (built when missing or its inputs changed, else skipped).
   * false: start the image there is (a missing one is still built). @default true
   */
  build?: boolean;
  /** Wait until the kubelet answers /healthz. @default true */
  wait?: boolean;
  /** Seconds to wait for systemd and the kubelet. @default 180 */
  timeout?: number;
  /** After /healthz, wait until the static pods are Running. @default true */
  waitForPods?: boolean;
  /** Seconds to wait for the static pods. @default 120 */
  podTimeout?: number;
  /** Load the pods' images (and the pause image) from the host's engine when the node lacks them. @default true */
  load?: boolean;
  /** Start a node whose unauthenticated kubelet would be reachable beyond the container's loopback. @default false */
  exposeUnauthenticatedKubelet?: boolean;
}

/** `up`: starts the node and waits until its kubelet is healthy, then says what runs. */
export async function up(node: NodeContext, options: UpOptions): Promise<boolean> {
  refuseExposure(node, options);
  const startedAt = Date.now();
  // One up-to-date check (a single `docker image inspect`, as build's own): a front-end runs no build before up.
  if (options.build !== false) await buildNode(node, options);
  else if (node.image && !(await imageExists(node, node.image))) {
    // Never a pull attempt from a registry and "No such image": a node's image is built here, not pulled.
    log.info(`${node.name}: its image ${node.image} is not built yet: building it first (${node.command('build')}).`);
    await buildNode(node, options);
  }
  await refuseSharedVolumes(node);
  const started = await runCompose(node, ['up', '--detach', '--no-build', node.service]);
  if (started.exitCode !== 0) throw new DockerCommandError(started, 'docker compose up');
  const id = await findContainer(node);
  if (!id) throw new Error(`docker compose up succeeded but no container of service "${node.service}" exists.`);
  if (options.wait === false) return true;

  const healthy = await waitUntilHealthy(node, id, (options.timeout ?? 180) * 1000);
  if (!healthy) return false;
  // Beside the wait for pods: the engine's own healthcheck record (Podman cannot run it by itself), now healthy.
  const recorded = refreshEngineHealth(node, id);
  const podsReady = options.waitForPods === false ? true : await waitForStaticPods(node, id, options, startedAt);
  await recorded;
  await printSummary(node, id);
  return podsReady;
}

/** Before docker: the exposure check, and (unless --build=false) what the build needs. */
up.check = (node: NodeDescription, options: UpOptions): void => {
  refuseExposure(node, options, true);
  if (options.build !== false) checkBuild(node, options);
};

/**
 * Before anything starts: a node whose anonymous, AlwaysAllow kubelet would be reachable beyond the container's
 * loopback is refused, naming each file:line that opens it, unless the user said so explicitly.
 */
function refuseExposure(node: NodeDescription, options: UpOptions, quiet = false): void {
  const findings = node.exposure();
  if (findings.length === 0) return;
  const lines = formatFindings(findings, node.displayDir).map((line) => `  ${line}`);
  if (options.exposeUnauthenticatedKubelet) {
    if (quiet) return; // warned once, by up itself
    log.error(
      `${node.name}: warning: its kubelet answers anyone without authentication and is reachable beyond the container's loopback (--exposeUnauthenticatedKubelet):\n${lines.join('\n')}`,
    );
    return;
  }
  throw new Error(
    [
      `${node.name} is not started: its kubelet answers anyone without authentication (anonymous, AlwaysAllow), and it would be reachable beyond the container's loopback:`,
      ...lines,
      `Keep it on loopback and reach it through a tunnel (see the node's README), turn on authentication (docs/security.md), or, if you mean it, ${node.command('up', '--exposeUnauthenticatedKubelet')}.`,
    ].join('\n'),
  );
}

/**
 * After /healthz: the pods of the node's static pod folder, Running. Their images (and the pause image) come from the
 * host's engine first when the node lacks them (as `load` does). A pod whose image is in neither engine would need a
 * registry: it is named, not awaited (a pull can take minutes; status shows when it runs).
 */
async function waitForStaticPods(node: NodeContext, id: string, options: UpOptions, startedAt: number): Promise<boolean> {
  const folder = node.kubelet.staticPodPath;
  const pods: StaticPod[] = [];
  for (const [file, text] of await readNodeFolder(node, id, folder)) {
    try {
      pods.push(parseManifest(file, text, `${folder}/${file}`));
    } catch (error) {
      log.error(`kubelet-node: ${(error as Error).message} (the kubelet cannot run it; fix manifests/ and ${node.command('apply')})`);
    }
  }
  if (pods.length === 0) return true;
  const pause = node.pauseImage;
  const images = [...new Set([...manifestImages(pods), ...(pause ? [pause] : [])])];
  const { absent } =
    options.load === false
      ? { absent: [] as string[] }
      : await loadImages(node, id, images, { required: false, quiet: true }).catch((error: Error) => {
          log.error(`kubelet-node: loading the pods' images failed: ${error.message}`);
          return { absent: [] as string[] };
        });
  const awaited = pods.filter((pod) => !pod.images.some((image) => absent.includes(image)));
  for (const pod of pods.filter((candidate) => !awaited.includes(candidate))) {
    log.info(
      `${node.name}: not waiting for pod ${pod.name}: ${pod.images.filter((image) => absent.includes(image)).join(', ')} is in neither engine (${node.command('load', '--images=<image>')} once you have it).`,
    );
  }
  if (awaited.length === 0) return true;
  return reportWait(node, id, { running: awaited.map((pod) => ({ name: pod.name, namespace: pod.namespace })), gone: [] }, (options.podTimeout ?? 120) * 1000, {
    startedAt,
  });
}

/**
 * Waits for systemd, then for the kubelet, each as soon as the engine can tell: the container's console log is
 * followed until systemd reports multi-user.target (no `docker exec` before that: an early exec lands in the
 * container's root cgroup, kind #2409), then one `docker exec` polls /healthz inside the node every 100 ms.
 */
async function waitUntilHealthy(node: NodeContext, id: string, timeoutMs: number): Promise<boolean> {
  const progress = new Progress(`${node.name}: waiting for the kubelet`, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  let phase = 'systemd starting';
  const stopUpdating = progress.keepUpdating(() => phase);
  try {
    let systemd = await waitForSystemd(node, id, deadline);
    while (systemd === 'ended') {
      await failIfStopped(node, id, progress);
      // The log ended while the container runs (it restarted, or its log driver cannot be followed): look again.
      await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())));
      systemd = Date.now() >= deadline ? 'timeout' : await waitForSystemd(node, id, deadline);
    }
    if (systemd === 'interrupted') return interrupted(node, progress);
    if (systemd === 'ready' && !progress.expired()) {
      phase = 'kubelet starting';
      while (!progress.expired()) {
        const kubelet = await waitForHealthz(node, id, Math.max(1, Math.round((deadline - Date.now()) / 1000)));
        if (kubelet.outcome === 'interrupted') return interrupted(node, progress);
        if (kubelet.outcome === 'healthy') {
          progress.done(`${node.name}: kubelet healthy after ${progress.elapsedSeconds()} s`);
          return true;
        }
        if (kubelet.outcome === 'timeout') break;
        // The exec itself failed: the container is stopping (it may still say running), or the engine hiccuped.
        // Stopped: say so with its console lines; otherwise ask again shortly, until the timeout.
        await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())));
        await failIfStopped(node, id, progress);
      }
    }
  } finally {
    stopUpdating();
  }
  progress.done();
  const journal = await journalTail(node, id, 'kubelet', 30);
  log.error(
    `kubelet-node: the kubelet of ${node.name} did not become healthy within ${timeoutMs / 1000} s (${phase}). Last kubelet journal lines:\n${journal}`,
  );
  log.error(`More: ${node.command('logs')}, ${node.command('status')}. The container keeps running; stop it with ${node.command('down')}.`);
  return false;
}

/** Throws with the container's last console lines when it is no longer running. */
async function failIfStopped(node: NodeContext, id: string, progress: Progress): Promise<void> {
  const state = await containerState(node, id);
  if (state === 'running') return;
  progress.done();
  const logs = await captureDocker(node.target, ['logs', '--tail', '30', id]).catch((error: Error) => error.message);
  throw new Error(`The node's container stopped (state: ${state}) while starting. Its last console lines:\n${logs}`);
}

function interrupted(node: NodeContext, progress: Progress): false {
  progress.done();
  log.error(`kubelet-node: interrupted while waiting for the kubelet of ${node.name}. The container keeps running; stop it with ${node.command('down')}.`);
  return false;
}

async function printSummary(node: NodeContext, id: string): Promise<void> {
  // Independent questions, asked at once.
  const [name, hostname, pods] = await Promise.all([
    containerName(node, id),
    nodeName(node, id),
    runningPods(node, id).then(async (pods) => pods ?? (await manifestFiles(node, id)).map((file) => `${file} (manifest)`)),
  ]);
  log.info(
    [
      `${node.name} is up`,
      `  container    ${name} (${id.slice(0, 12)})`,
      `  node name    ${hostname}`,
      `  kubelet      healthy: ${kubeletUrl(node, 'healthz')} inside the container`,
      `  static pods  ${pods.length ? pods.join(', ') : 'none'}`,
    ].join('\n'),
  );
}

/** namespace/name of the pods the kubelet reports; undefined when its read-only API cannot say (or Ctrl-C ended the question). */
async function runningPods(node: NodeContext, id: string): Promise<string[] | undefined> {
  try {
    return (await readPods(node, id))?.map((pod) => summarizePod(pod).key);
  } catch (error) {
    if (error instanceof InterruptedError) return undefined;
    throw error;
  }
}

async function imageExists(node: NodeContext, image: string): Promise<boolean> {
  return (await runDocker(node.target, ['image', 'inspect', '--format', '{{.Id}}', image], { mode: 'capture' })).exitCode === 0;
}

/** How soon a wait asks again after the engine could not tell (a followed log that ended, a failed exec): a short poll. */
const RETRY_MS = 200;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
