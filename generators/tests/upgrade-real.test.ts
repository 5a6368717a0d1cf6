/**
 * A REAL in-place upgrade of a running node, and back (issue 19): a node on the default real kubelet
 * (tools/real-binaries/build.sh) with a static pod (busybox httpd) and a layer of the user's own in Dockerfile.kicbase
 * runs its pod; `nx g nx-kubelet:upgrade <node> --kubeVersion=<newest real>` moves its files, the newest real kubelet
 * goes into bin/, and `nx run <node>:up` recreates the container on the SAME /var volume: a file written to /var
 * before is still there, the pod runs again under the new kubelet, the user's layer is kept. Then down again to the
 * default kubelet with --force (a downgrade across minors), on the path upgrade's advice gives for it.
 *
 * STAND-INS and test-only parts, said plainly (as in conformance.test.ts): the kicbase base image is the local
 * stand-in; the pause and workload images are the ones build.sh built locally (no registry); and the node's image
 * gets the TEST-ONLY runc wrapper (tools/real-binaries/runc-oom-clamp), because these VMs lack CAP_SYS_RESOURCE.
 * Everything else is real. Missing binaries or images fail the test; nothing is skipped.
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KICBASE_FLAG, leftovers, nodeContainer, removeProject, requireEngine } from './support/engine';
import {
  bakeRuncOomClamp,
  httpdManifest,
  kubeletPods,
  nodeSh,
  putRealBinaries,
  RealBinaries,
  RealCriDockerd,
  RealKubelet,
  readRealBinaries,
  realNodeArgs,
} from './support/real-node';
import { run } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

const suffix = process.pid.toString(36);
const node = `upr-${suffix}`;
const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;
const seconds = (start: number) => ((Date.now() - start) / 1000).toFixed(1);

let workspace: string;
let dir: string;
let index: RealBinaries;
let older: RealKubelet;
let newer: RealKubelet;
let criDockerd: RealCriDockerd;
/** The /var volume of the first container, by name: every later container must mount the same one. */
let volume = '';
let firstContainer = '';
const timings: string[] = [];

/** The name of the named volume mounted at /var in a container. */
function varVolume(container: string): string {
  return run('docker', ['inspect', '--format', '{{range .Mounts}}{{if eq .Destination "/var"}}{{.Name}}{{end}}{{end}}', container]).stdout.trim();
}

/** The httpd pod as the kubelet reports it, when Running with its container running. */
function runningPod(container: string) {
  return kubeletPods(container).find(
    (p) => p.metadata.name === `httpd-${node}` && p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running !== undefined,
  );
}

/** `nx run <node>:up`, timed; returns the output, its status and the container that runs then. */
function up(what: string) {
  const start = Date.now();
  const result = nx(workspace, ['run', `${node}:up`]);
  timings.push(
    `${what}: nx run :up ${seconds(start)} s (${output(result).match(/kubelet healthy after [\d.]+ s/)?.[0] ?? 'not healthy'}; ${output(result).match(/pods ready after [\d.]+ s/)?.[0] ?? 'pods not ready'})`,
  );
  return { result, text: output(result), container: nodeContainer(node) };
}

beforeAll(() => {
  requireEngine();
  index = readRealBinaries();
  const byVersion = (a: { version: string }, b: { version: string }) => a.version.localeCompare(b.version, undefined, { numeric: true });
  const kubelets = [...index.kubelets].sort(byVersion);
  older = kubelets.find((k) => k.minor === index.defaultMinor)!;
  newer = kubelets[kubelets.length - 1];
  criDockerd = [...index.criDockerd].sort(byVersion)[index.criDockerd.length - 1];
  workspace = copyWorkspace();
  dir = join(workspace, 'packages', node);
});

afterAll(() => {
  process.stdout.write(`upgrade-real: ${timings.join('; ')}\n`);
  removeProject(node);
  removeWorkspace(workspace);
});

it('the real binaries include the default minor and a newer one', () => {
  expect(older).toBeDefined();
  expect(newer.minor).not.toBe(older.minor);
});

it('a node on the default real kubelet, with a static pod and a layer of its own, runs the pod', () => {
  const generated = nx(workspace, realNodeArgs(node, older, criDockerd, KICBASE_FLAG));
  expect(generated.status).toBe(0);
  putRealBinaries(dir, older, criDockerd);
  bakeRuncOomClamp(dir, 'upgrade-real.test.ts');
  // The user's own layer: upgrade must keep it.
  appendFileSync(join(dir, 'Dockerfile.kicbase'), '# My own layer.\nRUN echo user-layer > /etc/user-layer\n');
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  writeFileSync(join(dir, 'manifests', '.httpd.yaml.tmp'), httpdManifest(index.workloadImage));
  renameSync(join(dir, 'manifests', '.httpd.yaml.tmp'), join(dir, 'manifests', 'httpd.yaml'));

  const first = up(`${older.version} first up`);
  expect(first.text).toMatch(new RegExp(`default/httpd-${node}  Running  1/1 ready`));
  expect(first.result.status).toBe(0);
  firstContainer = first.container;
  expect(nodeSh(firstContainer, 'kubelet --version').trim()).toBe(`Kubernetes ${older.version}`);
  expect(nodeSh(firstContainer, 'cat /etc/user-layer').trim()).toBe('user-layer');
  expect(runningPod(firstContainer)).toBeDefined();
  volume = varVolume(firstContainer);
  expect(volume).toMatch(new RegExp(`_`));
  nodeSh(firstContainer, `echo before-upgrade-${suffix} > /var/nx-kubelet-upgrade-marker`);
});

it(`upgrade to the newest real kubelet keeps the /var volume, the pod runs under the new kubelet, the layer stays`, () => {
  const upgraded = nx(workspace, ['g', 'nx-kubelet:upgrade', node, `--kubeVersion=${newer.version}`]);
  expect(upgraded.status).toBe(0);
  const text = output(upgraded);
  expect(text).toContain(`nx-kubelet: upgraded ${node}:`);
  expect(text).toMatch(new RegExp(`KUBE_VERSION.*${newer.version.replace(/\./g, '\\.')}`));
  putRealBinaries(dir, newer, criDockerd);

  const second = up(`upgrade to ${newer.version}`);
  expect(second.text).toMatch(new RegExp(`default/httpd-${node}  Running  1/1 ready`));
  expect(second.result.status).toBe(0);
  expect(second.container).not.toBe(firstContainer);
  // The node's images stayed in /var: only the new pause image is loaded, the workload image is there.
  expect(second.text).toContain(`registry.k8s.io/pause:${newer.pause}: loading into ${node}`);
  expect(second.text).not.toContain(`${index.workloadImage}: loading into`);
  expect(varVolume(second.container)).toBe(volume);
  expect(nodeSh(second.container, 'cat /var/nx-kubelet-upgrade-marker').trim()).toBe(`before-upgrade-${suffix}`);
  expect(nodeSh(second.container, 'kubelet --version').trim()).toBe(`Kubernetes ${newer.version}`);
  expect(nodeSh(second.container, 'cat /etc/user-layer').trim()).toBe('user-layer');
  const pod = runningPod(second.container);
  expect(pod?.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(nodeSh(second.container, `curl -fsS --max-time 5 http://${pod!.status!.podIP}:8080/`).trim()).toBe('nx-kubelet-conformance');
  // The pod runs in a sandbox of the new kubelet's pause image.
  expect(nodeSh(second.container, "docker ps --format '{{.Names}} {{.Image}}'")).toMatch(
    new RegExp(`^k8s_POD_httpd-${node}_default_\\S+ registry\\.k8s\\.io/pause:${newer.pause.replace(/\./g, '\\.')}$`, 'm'),
  );
  // Which is what upgrade advised for an upgrade across minors: build, then up on the same /var volume.
  expect(text).toContain(`nx run ${node}:build`);
  expect(text).toContain(`nx run ${node}:up`);
  expect(text).not.toContain(`nx run ${node}:down --volumes`);
});

it('a downgrade across minors is refused without --force, and says what to do', () => {
  const refused = nx(workspace, ['g', 'nx-kubelet:upgrade', node, `--kubeVersion=${older.version}`]);
  expect(refused.status).not.toBe(0);
  expect(output(refused)).toContain('would downgrade the node across a minor');
  expect(output(refused)).toContain('--force');
});

it('back down to the default kubelet with --force, on the path its advice gives: the /var volume stays', () => {
  const downgraded = nx(workspace, ['g', 'nx-kubelet:upgrade', node, `--kubeVersion=${older.version}`, '--force']);
  expect(downgraded.status).toBe(0);
  const advice = output(downgraded);
  // The advice: keep the volume (build, then up); down --volumes only as the fallback, in the note.
  expect(advice).toContain(`note: A downgrade across a minor (Kubernetes ${newer.minor} → ${older.minor}): keep the /var volume`);
  expect(advice).toContain('if the kubelet does not become healthy, run down --volumes, then up');
  expect(advice).toContain(`nx run ${node}:up   (recreates the container with the new image on the same /var volume`);
  expect(advice).not.toContain(`nx run ${node}:down --volumes`);
  putRealBinaries(dir, older, criDockerd);

  // The older kubelet on the newer kubelet's state in /var.
  const third = up(`downgrade to ${older.version}, /var kept`);
  if (third.result.status !== 0) {
    const journal = third.container ? run('docker', ['exec', third.container, 'journalctl', '-u', 'kubelet', '--no-pager', '-n', '40']).stdout : '';
    throw new Error(`up after the downgrade failed:\n${third.text}\n--- kubelet journal ---\n${journal}`);
  }
  expect(third.text).toMatch(new RegExp(`default/httpd-${node}  Running  1/1 ready`));
  expect(varVolume(third.container)).toBe(volume);
  expect(nodeSh(third.container, 'cat /var/nx-kubelet-upgrade-marker').trim()).toBe(`before-upgrade-${suffix}`);
  expect(nodeSh(third.container, 'kubelet --version').trim()).toBe(`Kubernetes ${older.version}`);
  expect(nodeSh(third.container, 'cat /etc/user-layer').trim()).toBe('user-layer');
  const pod = runningPod(third.container);
  expect(pod?.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(nodeSh(third.container, `curl -fsS --max-time 5 http://${pod!.status!.podIP}:8080/`).trim()).toBe('nx-kubelet-conformance');
});

it('down --volumes leaves nothing behind', () => {
  expect(nx(workspace, ['run', `${node}:down`, '--volumes']).status).toBe(0);
  expect(leftovers(node)).toEqual({ containers: [], volumes: [], networks: [] });
});
