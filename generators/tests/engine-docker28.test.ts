/**
 * A node on Docker 28 with the containerd image store, the engine Docker Desktop and Engine 28/29 users run: Debian
 * sid's docker.io 28 and containerd 2 in a container of the test's own (tools/docker-engine/docker28-engine.js:
 * privileged, its own data-root on a volume, `"features": {"containerd-snapshotter": true}`, TCP on its bridge address
 * only). ONE node with the default minor's REAL kubelet and cri-dockerd, generated with --dockerHost=<that engine>,
 * driven through the real nx CLI in a workspace copy: build (in the engine's BuildKit, onto its containerd store), up
 * (healthy, the static pod Running), `load` both ways (an image of the host's classic-store Docker 26, and an image
 * built in the containerd-store engine, whose ID there is a manifest digest), export-logs, down --volumes.
 *
 * STAND-INS and test-only parts, said plainly (as in day2.test.ts): the kicbase base image is the local stand-in
 * (loaded into the Docker 28 engine by the test); the pause and workload images are the ones build.sh built locally
 * (no registry); the node's image gets the TEST-ONLY runc wrapper (tools/real-binaries/runc-oom-clamp) as its
 * dockerd's default runtime, because these VMs lack CAP_SYS_RESOURCE. An engine that cannot be built or started fails
 * the test with the reason; nothing is skipped.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KICBASE_FLAG, KICBASE_STAND_IN, requireEngine } from './support/engine';
import { httpdManifest, KubeletPod, pollFor, readRealBinaries, putRealBinaries, bakeRuncOomClamp, realNodeArgs } from './support/real-node';
import { run } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startDocker28Engine } = require('../../tools/docker-engine/docker28-engine');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadImages } = require('../../tools/docker-engine/lib');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeLeftovers = require('../../tools/docker-engine/leftovers');

interface Docker28Engine {
  name: string;
  volume: string;
  address: string;
  host: string;
  info: { ServerVersion: string; DriverStatus: [string, string][] };
  prepared: { how: string; seconds: number };
  docker(...args: string[]): string[];
  remove(): void;
}

const suffix = process.pid.toString(36);
const node = `d28-${suffix}`;
/** Built in the host's classic-store Docker 26 and in the containerd-store Docker 28 engine: the project's own names. */
const hostImage = `nx-kubelet/d28-from-host:${suffix}`;
const engineImage = `nx-kubelet/d28-from-engine:${suffix}`;
const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;

let engine: Docker28Engine | undefined;
let workspace: string;
let dir: string;
let container = '';
let workload = '';
let pause = '';

/** docker on the Docker 28 engine. */
function d28(args: string[], input?: string) {
  const [command, ...prefix] = engine!.docker();
  return run(command, [...prefix, ...args], { input });
}

/** `docker exec <node> sh -c <script>` on the Docker 28 engine; throws with the output when it fails. */
function nodeSh(script: string): string {
  const result = d28(['exec', container, 'sh', '-c', script]);
  if (result.status !== 0) throw new Error(`docker exec ${container} sh -c '${script}' failed (${result.status}): ${output(result)}`);
  return result.stdout;
}

function pods(): KubeletPod[] {
  const result = d28(['exec', container, 'curl', '-fsS', 'http://127.0.0.1:10255/pods']);
  return result.status === 0 ? ((JSON.parse(result.stdout).items ?? []) as KubeletPod[]) : [];
}

function running(name: string): KubeletPod | undefined {
  return pods().find(
    (p) => p.metadata.name === `${name}-${node}` && p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running !== undefined,
  );
}

/** `docker image inspect` of an image: `{{.Created}} {{json .RootFS.Layers}}`, the content every store agrees on. */
function content(docker: (args: string[]) => ReturnType<typeof run>, image: string): string {
  const result = docker(['image', 'inspect', '--format', '{{.Created}} {{json .RootFS.Layers}}', image]);
  if (result.status !== 0) throw new Error(`${image}: ${output(result)}`);
  return result.stdout.trim();
}

function writeManifest(file: string, text: string): void {
  writeFileSync(join(dir, 'manifests', `.${file}.tmp`), text);
  renameSync(join(dir, 'manifests', `.${file}.tmp`), join(dir, 'manifests', file));
}

beforeAll(async () => {
  requireEngine();
  const index = readRealBinaries();
  const kubelet = index.kubelets.find((k) => k.minor === index.defaultMinor)!;
  const criDockerd = index.criDockerd[index.criDockerd.length - 1];
  workload = index.workloadImage;
  pause = `registry.k8s.io/pause:${kubelet.pause}`;
  // Builds the sid image when it is not cached (a few minutes), starts the engine, checks 28.x and the containerd
  // store; throws with the reason (debootstrap's or dockerd's output) otherwise.
  engine = (await startDocker28Engine({ name: `nxk-d28-test-${suffix}` })) as Docker28Engine;
  process.stdout.write(
    `engine-docker28: image ${engine.prepared.how} in ${engine.prepared.seconds.toFixed(1)} s; Docker ${engine.info.ServerVersion} at ${engine.host}\n`,
  );
  // The node's base image, and the workload the engine's own image is built from.
  await loadImages(engine, [KICBASE_STAND_IN, workload]);

  workspace = copyWorkspace();
  dir = join(workspace, 'packages', node);
  const generated = nx(workspace, realNodeArgs(node, kubelet, criDockerd, `--dockerHost=${engine.host}`, KICBASE_FLAG));
  if (generated.status !== 0) throw new Error(`nx g failed: ${output(generated)}`);
  putRealBinaries(dir, kubelet, criDockerd);
  bakeRuncOomClamp(dir, 'engine-docker28.test.ts');
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  writeManifest('httpd.yaml', httpdManifest(workload, 'httpd', 'on-docker28'));
}, 900_000);

// A turn of the event loop before each step: the steps run commands synchronously, and the run's Ctrl-C handler
// (tools/test-run/sweep.js, which removes the engine) runs only when the loop turns.
beforeEach(() => new Promise((resolve) => setImmediate(resolve)));

afterAll(() => {
  const problems: string[] = [];
  if (engine) {
    // The node's containers, volumes and images live in the engine: removing the engine (its container and its
    // data-root volume) removes them. Checked: nothing of the engine is left on the host.
    engine.remove();
    const left = run('docker', ['ps', '--all', '--quiet', '--filter', `name=^${engine.name}$`]).stdout.trim();
    if (left) problems.push(`the engine container ${engine.name} is still there`);
    const volume = run('docker', ['volume', 'ls', '--quiet', '--filter', `name=^${engine.volume}$`]).stdout.trim();
    if (volume) problems.push(`the engine's data-root volume ${engine.volume} is still there`);
  }
  run('docker', ['image', 'rm', '--force', hostImage]);
  removeWorkspace(workspace);
  if (problems.length) throw new Error(problems.join('; '));
});

it('the engine is Docker 28 with the containerd image store, reachable on its bridge address only', () => {
  expect(engine!.info.ServerVersion).toMatch(/^28\./);
  expect(engine!.info.DriverStatus).toContainEqual(['driver-type', 'io.containerd.snapshotter.v1']);
  const info = d28(['info']);
  expect(info.stdout).toMatch(/Server Version: 28\./);
  expect(info.stdout).toContain('driver-type: io.containerd.snapshotter.v1');
  // Nothing published on the host: the engine container has no port bindings.
  expect(run('docker', ['port', engine!.name]).stdout.trim()).toBe('');
  // dockerd listens on 2375 at the container's bridge address only (/proc/net/tcp: little-endian hex address, port
  // 0x0947, state 0A = LISTEN), and on no IPv6 address.
  const listening = (file: string) =>
    run('docker', ['exec', engine!.name, 'cat', file])
      .stdout.split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1]?.endsWith(':0947') && fields[3] === '0A')
      .map((fields) => fields[1].split(':')[0]);
  const hex = engine!.address
    .split('.')
    .map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, '0'))
    .reverse()
    .join('');
  expect(listening('/proc/net/tcp')).toEqual([hex]);
  expect(listening('/proc/net/tcp6')).toEqual([]);
  // The node records its engine.
  expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).toContain(`x-kubelet-node:\n  docker-host: ${engine!.host}`);
});

it("build builds the node's image in the Docker 28 engine (BuildKit onto the containerd store), not in the host's", () => {
  const built = nx(workspace, ['run', `${node}:build`]);
  expect(built.status).toBe(0);
  const tag = `nx-kubelet-${node}`;
  const inEngine = d28(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}', tag]).stdout.trim();
  expect(inEngine).toMatch(new RegExp(`^${tag}:v1\\.\\d+\\.\\d+ [0-9a-f]{12}$`));
  expect(run('docker', ['image', 'ls', '--quiet', tag]).stdout.trim()).toBe('');
  // Warm: nothing changed, so no build runs (the inputs label, set through a compose override, reads back from the
  // containerd store).
  const again = nx(workspace, ['run', `${node}:build`]);
  expect(output(again)).toContain(`image ${tag}:`);
  expect(output(again)).toContain('is up to date (inputs unchanged since it was built)');
  expect(again.status).toBe(0);
});

it('up: healthy, the pause and workload images loaded from the host, the static pod Running on the real kubelet', async () => {
  const up = nx(workspace, ['run', `${node}:up`]);
  expect(up.status).toBe(0);
  expect(output(up)).toMatch(/kubelet healthy after \d+ s/);
  expect(output(up)).toMatch(/pods ready after [\d.]+ s/);
  container = d28(['ps', '--quiet', '--filter', `label=com.docker.compose.service=${node}`]).stdout.trim();
  expect(container).toMatch(/^[0-9a-f]{12}$/);
  const pod = await pollFor(
    () => running('httpd'),
    60_000,
    () => `pod httpd-${node} Running; kubelet: ${nodeSh('journalctl -u kubelet --no-pager -n 15 2>&1 || true')}`,
  );
  expect(nodeSh(`curl -fsS --max-time 5 http://${pod.status!.podIP}:8080/`).trim()).toBe('on-docker28');
  expect(nodeSh('docker image inspect --format "{{.Id}}" ' + pause).trim()).toMatch(/^sha256:/);
  const status = nx(workspace, ['run', `${node}:status`]);
  expect(output(status)).toContain('kubelet      healthy (/healthz: ok)');
  expect(output(status)).toContain(`DOCKER_HOST=${engine!.host}`);
  expect(status.status).toBe(0);
});

it("load: an image of the host's classic-store Docker 26 into the node on Docker 28", () => {
  const built = run('docker', ['build', '--quiet', '--tag', hostImage, '-'], { input: `FROM ${workload}\nLABEL org.nx-kubelet.test=d28-host-${suffix}\n` });
  expect(output(built)).toMatch(/sha256:/);
  const loaded = nx(workspace, ['run', `${node}:load`, `--images=${hostImage}`]);
  expect(output(loaded)).toContain(`${hostImage}: loading into ${node}`);
  expect(loaded.status).toBe(0);
  expect(content((args) => nodeRun(args), hostImage)).toBe(content((args) => run('docker', args), hostImage));
  const again = nx(workspace, ['run', `${node}:load`, `--images=${hostImage}`]);
  expect(output(again)).toContain(`${hostImage}: already in ${node}`);
  expect(again.status).toBe(0);
});

it('load: an image built in the containerd-store Docker 28 engine (its ID a manifest digest) into the node, and a pod runs it', async () => {
  const built = d28(['build', '--tag', engineImage, '-'], `FROM ${workload}\nLABEL org.nx-kubelet.test=d28-engine-${suffix}\n`);
  expect(built.status).toBe(0);
  // The containerd store names the image by its manifest (or index) digest, the node's classic store by its config
  // digest: the IDs differ, the content is the same.
  const engineId = d28(['image', 'inspect', '--format', '{{.Id}}', engineImage]).stdout.trim();
  const asEngine = { DOCKER_HOST: engine!.host };
  const loaded = nx(workspace, ['run', `${node}:load`, `--images=${engineImage}`], asEngine);
  expect(output(loaded)).toContain(`${engineImage}: loading into ${node}`);
  expect(loaded.status).toBe(0);
  const nodeId = nodeRun(['image', 'inspect', '--format', '{{.Id}}', engineImage]).stdout.trim();
  expect(nodeId).toMatch(/^sha256:/);
  expect(nodeId).not.toBe(engineId);
  expect(content((args) => nodeRun(args), engineImage)).toBe(content((args) => d28(args), engineImage));
  const again = nx(workspace, ['run', `${node}:load`, `--images=${engineImage}`], asEngine);
  expect(output(again)).toContain(`${engineImage}: already in ${node}`);
  expect(again.status).toBe(0);
  // The loaded image runs: apply a pod of it (apply loads nothing here: the node has it) and wait for it.
  writeManifest('from-engine.yaml', httpdManifest(engineImage, 'from-engine', 'built-in-docker28'));
  const applied = nx(workspace, ['run', `${node}:apply`], asEngine);
  expect(applied.status).toBe(0);
  const pod = await pollFor(
    () => running('from-engine'),
    60_000,
    () => `pod from-engine-${node} Running; ${JSON.stringify(pods().map((p) => [p.metadata.name, p.status?.phase]))}`,
  );
  expect(nodeSh(`curl -fsS --max-time 5 http://${pod.status!.podIP}:8080/`).trim()).toBe('built-in-docker28');
});

it('export-logs collects the diagnostics of the node on Docker 28', () => {
  const exported = nx(workspace, ['run', `${node}:export-logs`]);
  expect(exported.status).toBe(0);
  const out = join(workspace, 'dist', 'kubelet-logs', node);
  const read = (file: string) => readFileSync(join(out, file), 'utf8');
  expect(JSON.parse(read('inspect.json'))[0].Id).toBe(JSON.parse(d28(['inspect', container]).stdout)[0].Id);
  expect(read('nx-kubelet.txt')).toContain(`engine: DOCKER_HOST=${engine!.host}`);
  expect(read('kubelet.log')).toContain('kubelet');
  expect(
    JSON.parse(read('pods.json'))
      .items.map((p: { metadata: { name: string } }) => p.metadata.name)
      .sort(),
  ).toEqual([`from-engine-${node}`, `httpd-${node}`]);
  expect(read('docker-ps.txt')).toContain(`k8s_httpd_httpd-${node}`);
  // What it could not collect: only crictl's two files (the kicbase stand-in has no crictl; the real kicbase has).
  const errors = existsSync(join(out, 'errors.txt')) ? read('errors.txt') : '';
  expect(
    errors
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(':')[0]),
  ).toEqual(['crictl-images.txt', 'crictl-ps.txt']);
  expect(errors).toContain('exited 127');
});

it('down --volumes leaves nothing of the node on the engine', () => {
  const down = nx(workspace, ['run', `${node}:down`, '--volumes']);
  expect(down.status).toBe(0);
  expect(nodeLeftovers.leftovers(node, engine!.docker())).toEqual({ containers: [], volumes: [], networks: [] });
});

/** docker in the node's own dockerd (classic store), through the Docker 28 engine. */
function nodeRun(args: string[]) {
  return d28(['exec', container, 'docker', ...args]);
}
