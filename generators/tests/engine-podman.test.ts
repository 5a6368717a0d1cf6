/**
 * A node on Podman 5 (rootful, as minikube's podman driver runs it), on a REAL kubelet: generated with
 * `--engine=podman` through the real nx CLI, built with `podman build` (the engine adapter: Podman's compat API has no
 * BuildKit), started with `podman compose`, healthy, its static pod Running; then `load` of an image from Podman's
 * store, `status`, `logs`, `shell`, `apply`, `export-logs` and `down --volumes`, which leaves nothing in Podman.
 *
 * The engine: tools/podman-engine/start.sh (trixie's podman 5.4 in a container of the host Docker; the host's podman
 * is its CLI through docker exec). It fails, never skips, when podman does not answer.
 * STAND-INS and test-only parts as in day2.test.ts: the kicbase stand-in (loaded into Podman's store by start.sh),
 * the pause and workload images built locally (in Podman's store too), and the TEST-ONLY runc wrapper baked into the
 * node's image (these VMs lack CAP_SYS_RESOURCE).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KICBASE_FLAG, KICBASE_STAND_IN } from './support/engine';
import { httpdManifest, KubeletPod, pollFor, readRealBinaries, putRealBinaries, bakeRuncOomClamp, realNodeArgs } from './support/real-node';
import { run } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeLeftovers = require('../../tools/docker-engine/leftovers');

const suffix = process.pid.toString(36);
const node = `pm-${suffix}`;
const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;
const env = { PODMAN_IGNORE_CGROUPSV1_WARNING: '1' };
const podman = (...args: string[]) => run('podman', args, { env: { ...process.env, ...env } });
const timings: Record<string, number> = {};
let workspace: string;
let container = '';
let loadImage = '';

/** `podman exec <container> sh -c <script>`; throws with the output when it fails. */
function nodeSh(script: string): string {
  const result = podman('exec', container, 'sh', '-c', script);
  if (result.status !== 0) throw new Error(`podman exec ${container} sh -c '${script}' failed (${result.status}): ${output(result)}`);
  return result.stdout;
}

function kubeletPods(): KubeletPod[] {
  const result = podman('exec', container, 'curl', '-fsS', 'http://127.0.0.1:10255/pods');
  return result.status === 0 ? ((JSON.parse(result.stdout).items ?? []) as KubeletPod[]) : [];
}

function timed<T>(what: string, action: () => T): T {
  const started = Date.now();
  try {
    return action();
  } finally {
    timings[what] = (Date.now() - started) / 1000;
  }
}

const index = readRealBinaries();
const kubelet = index.kubelets.find((k) => k.minor === index.defaultMinor)!;
const criDockerd = index.criDockerd[index.criDockerd.length - 1];

beforeAll(() => {
  const info = podman('info', '--format', '{{.Version.Version}}');
  if (info.status !== 0 || !/^5\./.test(info.stdout.trim())) {
    throw new Error(
      `Podman 5 is required for this test (podman info: exit ${info.status}, ${output(info).trim() || 'no output'}). Start it with tools/podman-engine/start.sh.`,
    );
  }
  for (const image of [KICBASE_STAND_IN, `registry.k8s.io/pause:${kubelet.pause}`, index.workloadImage]) {
    if (podman('image', 'exists', image).status !== 0)
      throw new Error(`${image} is not in Podman's store: run tools/podman-engine/start.sh (it loads it from the host Docker).`);
  }
  workspace = copyWorkspace();
});

afterAll(() => {
  const left = nodeLeftovers.removeNode(node, { docker: ['podman'] });
  if (loadImage) podman('image', 'rm', '--force', loadImage);
  removeWorkspace(workspace);
  process.stdout.write(`engine-podman timings (s): ${JSON.stringify(timings)}\n`);
  if (!nodeLeftovers.nothingLeft(left)) throw new Error(`could not remove what the test left of ${node} in Podman: ${JSON.stringify(left)}`);
});

it('generates a node with --engine=podman, with the real kubelet, and builds it with podman build', () => {
  const generated = nx(workspace, realNodeArgs(node, kubelet, criDockerd, '--engine=podman', KICBASE_FLAG));
  expect(generated.status).toBe(0);
  const dir = join(workspace, 'packages', node);
  const compose = readFileSync(join(dir, 'compose.yaml'), 'utf8');
  expect(compose).toMatch(/^x-kubelet-node:\n {2}engine: podman$/m);
  expect(compose).toContain('pids_limit: -1');
  expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('\n## On Podman\n');
  putRealBinaries(dir, kubelet, criDockerd);
  bakeRuncOomClamp(dir, 'engine-podman.test.ts');
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  writeFileSync(join(dir, 'manifests', '.httpd.yaml.tmp'), httpdManifest(index.workloadImage));
  renameSync(join(dir, 'manifests', '.httpd.yaml.tmp'), join(dir, 'manifests', 'httpd.yaml'));

  const built = timed('build', () => nx(workspace, ['run', `${node}:build`]));
  expect(output(built)).toMatch(/COMMIT nx-kubelet-/); // buildah's words, not BuildKit's
  expect(built.status).toBe(0);
  const image = `nx-kubelet-${node}:${kubelet.version}`;
  const labels = podman('image', 'inspect', '--format', '{{json .Config.Labels}}', image);
  expect(labels.status).toBe(0);
  const parsed = JSON.parse(labels.stdout) as Record<string, string>;
  expect(parsed['com.docker.compose.service']).toBe(node);
  expect(parsed['kubelet-node.image-inputs']).toMatch(/^sha256:[0-9a-f]{64}$/); // image-inputs.ts's INPUTS_LABEL
  // The up-to-date check reads the label podman build put on: a second build builds nothing.
  const again = timed('build (warm, up to date)', () => nx(workspace, ['run', `${node}:build`]));
  expect(output(again)).toContain('is up to date');
  expect(again.status).toBe(0);
});

it("comes up healthy with podman compose, and its static pod runs (images loaded from Podman's store)", () => {
  const up = timed('up (healthy + pod Running)', () => nx(workspace, ['run', `${node}:up`]));
  expect(output(up)).toMatch(/kubelet healthy after \d+ s/);
  expect(output(up)).toContain(`default/httpd-${node}`);
  expect(up.status).toBe(0);
  container = podman('ps', '--all', '--quiet', '--filter', `label=com.docker.compose.service=${node}`).stdout.trim().split('\n')[0];
  expect(container).toMatch(/^[0-9a-f]{12,}$/);
  expect(nodeSh('kubelet --version').trim()).toBe(`Kubernetes ${kubelet.version}`);
  const pod = kubeletPods().find((p) => p.metadata.name === `httpd-${node}`);
  expect(pod?.status?.phase).toBe('Running');
  expect(nodeSh(`curl -fsS http://${pod!.status!.podIP}:8080/`).trim()).toBe('nx-kubelet-conformance');
  // What Podman needs, on the container: no pids limit (-1: unlimited), container=podman; its healthcheck ran (up
  // runs it: Podman's timers need systemd).
  const inspect = podman('inspect', '--format', '{{.HostConfig.PidsLimit}} {{.State.Health.Status}}', container).stdout.trim();
  expect(inspect).toBe('-1 healthy');
  expect(nodeSh('tr "\\0" "\\n" < /proc/1/environ | grep ^container=').trim()).toBe('container=podman');
});

it("loads an image from Podman's store under the name asked for, and status, logs and shell work", () => {
  // podman tag names it localhost/…; the node must get the name a manifest would use.
  loadImage = `pm-load-${suffix}:1`;
  expect(podman('tag', index.workloadImage, loadImage).status).toBe(0);
  const loaded = timed('load', () => nx(workspace, ['run', `${node}:load`, `--images=${loadImage}`]));
  expect(output(loaded)).toContain(`${loadImage}: loading into ${node}`);
  expect(loaded.status).toBe(0);
  expect(nodeSh(`docker image inspect --format '{{.Id}}' ${loadImage}`).trim()).toBe(
    `sha256:${podman('image', 'inspect', '--format', '{{.Id}}', loadImage).stdout.trim()}`,
  );
  const twice = nx(workspace, ['run', `${node}:load`, `--images=${loadImage}`]);
  expect(output(twice)).toContain(`${loadImage}: already in ${node}`);

  const status = nx(workspace, ['run', `${node}:status`]);
  expect(output(status)).toContain('kubelet      healthy (/healthz: ok)');
  expect(output(status)).toContain(`default/httpd-${node}`);
  expect(output(status)).toContain('on Podman');
  expect(status.status).toBe(0);

  const logs = nx(workspace, ['run', `${node}:logs`, '--unit=kubelet', '--tail=20']);
  expect(logs.status).toBe(0);
  expect(output(logs)).toMatch(/kubelet/);
  const podLogs = nx(workspace, ['run', `${node}:logs`, `--pod=httpd-${node}`]);
  expect(podLogs.status).toBe(0);

  const shell = nx(workspace, ['run', `${node}:shell`, '--command=cat /etc/hostname && systemctl is-active kubelet']);
  expect(output(shell)).toContain('active');
  expect(shell.status).toBe(0);
});

it('applies a changed manifest, exports logs, and down --volumes leaves nothing in Podman', async () => {
  const dir = join(workspace, 'packages', node);
  writeFileSync(join(dir, 'manifests', 'second.yaml'), httpdManifest(loadImage, 'second', 'second-pod'));
  const applied = timed('apply (manifest -> Running)', () => nx(workspace, ['run', `${node}:apply`]));
  expect(applied.status).toBe(0);
  await pollFor(
    () => kubeletPods().find((p) => p.metadata.name === `second-${node}` && p.status?.phase === 'Running'),
    60_000,
    () => `pod second-${node} Running: ${output(applied)}`,
  );

  const folder = join(workspace, 'pm-logs');
  const exported = nx(workspace, ['run', `${node}:export-logs`, `--outputPath=pm-logs`]);
  expect(exported.status).toBe(0);
  const files = readdirSync(folder);
  expect(files).toEqual(expect.arrayContaining(['inspect.json', 'console.log', 'kubelet.log', 'docker-ps.txt']));

  const down = timed('down --volumes', () => nx(workspace, ['run', `${node}:down`, '--volumes']));
  expect(down.status).toBe(0);
  expect(nodeLeftovers.leftovers(node, ['podman'])).toEqual({ containers: [], volumes: [], networks: [] });
});
