/**
 * Nodes on a cgroup v2-only host. This machine's kernel mounts cgroup v1 (and is never remounted); the test boots a
 * virtual machine of its own (tools/cgroup2-vm: qemu-system-x86_64 under TCG, Debian trixie's kernel and systemd with
 * the unified hierarchy only, docker.io 26 listening on TCP inside the VM, forwarded to a port on the host's
 * loopback) and drives nodes on its dockerd as a remote engine (--dockerHost=tcp://127.0.0.1:<port>). For the oldest,
 * the default and the newest kubelet of the real-binaries index (with the newest cri-dockerd): generated through the real nx CLI
 * with --binarySource=local, the real binaries in bin/, a static pod; `nx run <node>:up` builds the node's image on
 * the VM's engine and starts it; the kubelet is healthy, the static pod Running, the node's /sys/fs/cgroup is
 * cgroup2fs, and the cgroup driver of the node's dockerd, cri-dockerd and the kubelet is recorded and checked.
 *
 * STAND-INS and test-only parts, said plainly: the kicbase base image is the local stand-in, the pause and workload
 * images are the ones tools/real-binaries/build.sh built (all loaded into the VM's engine: it has no registry either).
 * The TEST-ONLY runc wrapper (runc-oom-clamp) is NOT used: inside the VM the kernel grants CAP_SYS_RESOURCE, so the
 * pod sandboxes' negative oom_score_adj is set for real. A missing qemu, kernel or image fails the test with the
 * reason; nothing is skipped.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNETES_MINORS } from 'kubelet-node';
import { KICBASE_FLAG, KICBASE_STAND_IN, requireEngine } from '../support/engine';
import {
  httpdManifest,
  KubeletPod,
  pollFor,
  putRealBinaries,
  readRealBinaries,
  RealBinaries,
  RealCriDockerd,
  RealKubelet,
  realNodeArgs,
} from '../support/real-node';
import { run } from '../support/validators';
import { copyWorkspace, nx, removeWorkspace } from '../support/workspace';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCgroup2Vm, loadImagesIntoVm } = require('../../../tools/cgroup2-vm/cgroup2-vm');

interface Cgroup2Vm {
  host: string;
  stateDir: string;
  pid: number;
  bootSeconds: number;
  info: { ServerVersion: string; CgroupVersion: string; CgroupDriver: string; KernelVersion: string };
  image: { how: string; seconds: number; kernelVersion: string; dockerVersion: string; systemdVersion: string };
  docker(...args: string[]): string[];
  console(): string;
  running(): boolean;
  remove(): void;
}

const suffix = process.pid.toString(36);
const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;

let vm: Cgroup2Vm | undefined;
let index: RealBinaries = undefined as unknown as RealBinaries;
let workspace: string;
const timings: string[] = [];

/** docker on the VM's engine. */
function onVm(args: string[], input?: string) {
  const [command, ...prefix] = vm!.docker();
  return run(command, [...prefix, ...args], { input });
}

/** `docker exec <container> sh -c <script>` on the VM's engine; throws with the output when it fails. */
function nodeSh(container: string, script: string, input?: string): string {
  const result = onVm(['exec', ...(input === undefined ? [] : ['-i']), container, 'sh', '-c', script], input);
  if (result.status !== 0) throw new Error(`docker exec ${container} sh -c '${script}' on the VM failed (${result.status}): ${output(result)}`);
  return result.stdout;
}

function pods(container: string): KubeletPod[] {
  const result = onVm(['exec', container, 'curl', '-fsS', 'http://127.0.0.1:10255/pods']);
  return result.status === 0 ? ((JSON.parse(result.stdout).items ?? []) as KubeletPod[]) : [];
}

function runningPod(container: string, name: string): KubeletPod | undefined {
  return pods(container).find(
    (p) => p.metadata.name === name && p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running !== undefined,
  );
}

/** What a failing pod step prints: the kubelet's and cri-dockerd's last lines and the node's containers. */
function diagnostics(container: string): string {
  const safe = (script: string) => {
    const result = onVm(['exec', container, 'sh', '-c', script]);
    return output(result).trim();
  };
  return [
    `kubelet: ${safe('journalctl -u kubelet --no-pager -n 25 2>&1')}`,
    `cri-docker: ${safe('journalctl -u cri-docker --no-pager -n 10 2>&1')}`,
    `docker ps -a: ${safe("docker ps -a --format '{{.Names}} {{.Status}}'")}`,
  ].join('\n');
}

/**
 * The oldest kubelet (1.29: the kubelet takes the CRI's driver only through the KubeletCgroupDriverFromCRI gate, and on
 * cgroup v2 that driver, systemd, is not kubelet.yaml's fallback), the default minor's and the newest, each with the
 * newest cri-dockerd (as conformance.test.ts names them).
 */
function cases(real: RealBinaries): { kubelet: RealKubelet; criDockerd: RealCriDockerd }[] {
  const byVersion = (a: { version: string }, b: { version: string }) => a.version.localeCompare(b.version, undefined, { numeric: true });
  const kubelets = [...real.kubelets].sort(byVersion);
  const criDockerd = [...real.criDockerd].sort(byVersion).pop()!;
  const defaultKubelet = kubelets.filter((k) => k.minor === real.defaultMinor).pop();
  const newest = kubelets[kubelets.length - 1];
  return [kubelets[0], defaultKubelet, newest].filter((k, i, all): k is RealKubelet => !!k && all.indexOf(k) === i).map((kubelet) => ({ kubelet, criDockerd }));
}

let realError: Error | undefined;
try {
  index = readRealBinaries();
} catch (error) {
  realError = error as Error;
}

beforeAll(async () => {
  requireEngine();
  if (realError) throw realError;
  // Builds the image when it is not cached (debootstrap, several minutes), boots the VM (TCG: a minute or more) and
  // waits for its dockerd; throws with the VM's console otherwise.
  vm = (await startCgroup2Vm()) as Cgroup2Vm;
  timings.push(
    `image ${vm.image.how} in ${vm.image.seconds.toFixed(1)} s (kernel ${vm.image.kernelVersion}, docker.io ${vm.image.dockerVersion}, systemd ${vm.image.systemdVersion})`,
    `VM boot to dockerd ready ${vm.bootSeconds.toFixed(1)} s`,
  );
  const started = Date.now();
  const pauses = [...new Set(cases(index).map(({ kubelet }) => `registry.k8s.io/pause:${kubelet.pause}`))];
  await loadImagesIntoVm(vm, [KICBASE_STAND_IN, ...pauses, index.workloadImage]);
  timings.push(`stand-in, pause and workload images loaded into the VM in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  workspace = copyWorkspace();
}, 1_800_000);

// A turn of the event loop before each step, so that the run's Ctrl-C handler (tools/test-run/sweep.js) can run.
beforeEach(() => new Promise((resolve) => setImmediate(resolve)));

afterAll(() => {
  const problems: string[] = [];
  if (vm) {
    // Every node's container, volume and image lives on the VM's disk, an overlay thrown away with the VM (each node's
    // last step also takes it down with --volumes and checks that nothing of it is left on the VM).
    vm.remove();
    if (vm.running()) problems.push(`the VM's qemu (${vm.pid}) is still running`);
    if (run('test', ['-e', vm.stateDir]).status === 0) problems.push(`the VM's folder ${vm.stateDir} is still there`);
  }
  removeWorkspace(workspace);
  process.stdout.write(`cgroup-v2: ${timings.join('; ')}\n`);
  if (problems.length) throw new Error(problems.join('; '));
}, 600_000);

it('the VM is a cgroup v2-only host (the unified hierarchy, no v1 controller mounted)', () => {
  expect(String(vm!.info.CgroupVersion)).toBe('2');
  expect(vm!.info.ServerVersion).toMatch(/^26\./);
  const fsType = onVm(['run', '--rm', '--entrypoint', 'stat', KICBASE_STAND_IN, '-fc', '%T', '/sys/fs/cgroup']);
  expect(output(fsType).trim()).toBe('cgroup2fs');
  // The VM's own mounts (PID 1's mount namespace): cgroup2 on /sys/fs/cgroup, and no cgroup v1 hierarchy at all.
  const mounts = onVm(['run', '--rm', '--privileged', '--pid=host', '--entrypoint', 'nsenter', KICBASE_STAND_IN, '-t', '1', '-m', 'cat', '/proc/mounts']);
  expect(mounts.status).toBe(0);
  const cgroupMounts = mounts.stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === 'cgroup' || fields[2] === 'cgroup2')
    .map((fields) => `${fields[2]} ${fields[1]}`);
  expect(cgroupMounts).toEqual(['cgroup2 /sys/fs/cgroup']);
  // Nothing but the forwarded dockerd port: qemu listens on the host's loopback only.
  expect(vm!.host).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
});

it('the index has the oldest, the default minor and the newest kubelet: all run below', () => {
  if (realError) throw realError;
  const minors = cases(index).map((c) => c.kubelet.minor);
  // The matrix's oldest minor, its default and its newest, as the docs say ran here.
  expect(minors).toEqual([KUBERNETES_MINORS[0].minor, index.defaultMinor, KUBERNETES_MINORS[KUBERNETES_MINORS.length - 1].minor]);
});

for (const { kubelet, criDockerd } of realError ? [] : cases(index)) {
  const node = `cg2-${kubelet.minor.replace('.', '')}-${suffix}`;
  const known = KUBERNETES_MINORS.some((m) => m.minor === kubelet.minor);
  let container = '';

  describe(`kubelet ${kubelet.version} with cri-dockerd ${criDockerd.version} on the cgroup v2 VM`, () => {
    it('is generated with --dockerHost=<the VM>, gets the real binaries and a static pod', () => {
      const generated = nx(
        workspace,
        realNodeArgs(node, kubelet, criDockerd, `--dockerHost=${vm!.host}`, KICBASE_FLAG, ...(known ? [] : ['--allowUnknownVersions'])),
      );
      expect(output(generated)).toContain(`CREATE packages/${node}/Dockerfile.kicbase`);
      expect(generated.status).toBe(0);
      const dir = join(workspace, 'packages', node);
      expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).toContain(`docker-host: ${vm!.host}`);
      putRealBinaries(dir, kubelet, criDockerd);
      mkdirSync(join(dir, 'manifests'), { recursive: true });
      writeFileSync(join(dir, 'manifests', '.httpd.yaml.tmp'), httpdManifest(index.workloadImage, 'httpd', `on-cgroup2-${kubelet.minor}`));
      renameSync(join(dir, 'manifests', '.httpd.yaml.tmp'), join(dir, 'manifests', 'httpd.yaml'));
    });

    it('nx run :up builds the image on the VM engine, comes up healthy, loads the images and runs the static pod (no runc wrapper)', async () => {
      const started = Date.now();
      // The whole of up, as a user runs it: build on the VM's engine, start, wait for /healthz, load the pause and
      // workload images from the host's engine into the node (there is no registry), wait for the static pod. The
      // timeouts are generous: under TCG on a loaded 2-core machine the node's systemd and kubelet are slow.
      const up = nx(workspace, ['run', `${node}:up`, '--timeout=900', '--podTimeout=600']);
      const upSeconds = (Date.now() - started) / 1000;
      expect(output(up)).toMatch(/kubelet healthy after \d+ s/);
      expect(output(up)).toMatch(/pods ready after [\d.]+ s/);
      expect(up.status).toBe(0);
      container = onVm(['ps', '--quiet', '--filter', `label=com.docker.compose.service=${node}`]).stdout.trim();
      expect(container).toMatch(/^[0-9a-f]{12}$/);
      // Built on the VM's engine, not on the host's.
      expect(onVm(['image', 'ls', '--quiet', `nx-kubelet-${node}`]).stdout.trim()).not.toBe('');
      expect(run('docker', ['image', 'ls', '--quiet', `nx-kubelet-${node}`]).stdout.trim()).toBe('');
      expect(nodeSh(container, 'kubelet --version').trim()).toBe(`Kubernetes ${kubelet.version}`);
      const pod = await pollFor(
        () => runningPod(container, `httpd-${node}`),
        60_000,
        () => `pod httpd-${node} Running\n${diagnostics(container)}`,
        1000,
      );
      expect(nodeSh(container, `curl -fsS --max-time 10 http://${pod.status!.podIP}:8080/`).trim()).toBe(`on-cgroup2-${kubelet.minor}`);
      // No TEST-ONLY runc wrapper: the node's dockerd runs plain runc.
      expect(nodeSh(container, "docker info --format '{{.DefaultRuntime}}'").trim()).toBe('runc');
      timings.push(
        `${kubelet.version}: nx run :up (image build on the VM included) ${upSeconds.toFixed(1)} s, ${output(up).match(/kubelet healthy after \d+ s/)![0]}; ` +
          `${output(up).match(/pods ready after [\d.]+ s/)?.[0] ?? 'no pods line'}`,
      );
    }, 1_800_000);

    it('a static pod manifest placed in the running node reaches Running (timed as tools/bench/real-kubelet.js does)', () => {
      const name = `again-${node}`;
      const started = Date.now();
      nodeSh(
        container,
        'cat > /etc/kubernetes/.again.yaml.tmp && mv /etc/kubernetes/.again.yaml.tmp /etc/kubernetes/manifests/again.yaml',
        httpdManifest(index.workloadImage, 'again', 'again'),
      );
      const deadline = Math.ceil((Date.now() + 300_000) / 1000);
      const waited = onVm([
        'exec',
        container,
        'sh',
        '-c',
        `while :; do curl -fsS http://127.0.0.1:10255/pods 2>/dev/null | grep -q '"name":"${name}".*"phase":"Running"' && exit 0; [ $(date +%s) -gt ${deadline} ] && exit 3; sleep 0.1; done`,
      ]);
      const seconds = (Date.now() - started) / 1000;
      if (waited.status !== 0) throw new Error(`pod ${name} not Running within 300 s\n${diagnostics(container)}`);
      timings.push(`${kubelet.version}: manifest placed -> pod Running ${seconds.toFixed(2)} s`);
    });

    it("the node sees cgroup v2: /sys/fs/cgroup is cgroup2fs, its dockerd's driver is systemd, and the kubelet takes it from cri-dockerd", () => {
      expect(nodeSh(container, 'stat -fc %T /sys/fs/cgroup').trim()).toBe('cgroup2fs');
      const [driver, version] = nodeSh(container, "docker info --format '{{.CgroupDriver}} {{.CgroupVersion}}'").trim().split(' ');
      expect(version).toBe('2');
      const journal = nodeSh(container, 'journalctl -u kubelet --no-pager 2>&1');
      expect(journal).toContain('Using cgroup driver setting received from the CRI runtime');
      expect(journal).toMatch(new RegExp(`cgroupDriver="${driver}"`));
      // Docker picks systemd on a cgroup v2 host whose PID 1 is systemd (cgroupfs on this machine's cgroup v1).
      expect(driver).toBe('systemd');
      // cri-dockerd reports the node dockerd's driver to the kubelet (its CRI runtime config).
      const criLog = nodeSh(container, 'journalctl -u cri-docker --no-pager 2>&1');
      expect(criLog).toContain('Setting cgroupDriver systemd');
      // The kubelet's QoS cgroups, made by the systemd driver as slices in the node's own cgroup namespace.
      const qos = nodeSh(container, 'test -d /sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice && echo slices-made || echo no-slices');
      expect(qos.trim()).toBe('slices-made');
      // No cgroup v1 warning from a kubelet on cgroup v2 (failCgroupV1 only matters on v1 hosts).
      expect(journal).not.toMatch(/cgroup v1 support is in maintenance mode|cgroup v1 detected/i);
      const oom = nodeSh(
        container,
        `for c in $(docker ps -q --filter name=k8s_POD_httpd-${node}); do cat /proc/$(docker inspect -f '{{.State.Pid}}' $c)/oom_score_adj; done`,
      ).trim();
      timings.push(
        `${kubelet.version}: node dockerd cgroup driver ${driver} (cgroup v${version}); kubelet: ${(journal.match(/Using cgroup driver setting received from the CRI runtime[^\n]*/) ?? [''])[0].slice(0, 160)}; ` +
          `cri-dockerd log mentions cgroup: ${/cgroup/i.test(criLog) ? (criLog.match(/[^\n]*cgroup[^\n]*/i) ?? [''])[0].slice(0, 160) : 'no'}; pause oom_score_adj ${oom}`,
      );
      // The pod sandbox's negative oom_score_adj was set for real (what the runc wrapper clamps on this machine).
      expect(Number(oom)).toBeLessThan(0);
    });

    it('status is healthy and lists the pods; down --volumes leaves nothing on the VM', () => {
      const status = nx(workspace, ['run', `${node}:status`]);
      expect(output(status)).toContain('kubelet      healthy (/healthz: ok)');
      expect(output(status)).toContain(`default/httpd-${node}`);
      expect(output(status)).toContain(`DOCKER_HOST=${vm!.host}`);
      expect(status.status).toBe(0);
      expect(nx(workspace, ['run', `${node}:down`, '--volumes']).status).toBe(0);
      expect(onVm(['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.service=${node}`]).stdout.trim()).toBe('');
      expect(onVm(['volume', 'ls', '--quiet']).stdout.trim()).toBe('');
    });
  });
}
