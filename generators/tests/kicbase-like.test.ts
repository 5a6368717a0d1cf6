/**
 * The kicbase-like stand-in (tools/images/kicbase-like, built by build-kicbase-like.sh) behaves like kicbase where a
 * node depends on it. Two containers of nx-kubelet/kicbase-like:v0.0.50 run as compose.yaml runs a node (privileged,
 * a private cgroup namespace, tmpfs /run and /tmp, /var on a volume, a user-defined network) and are checked from
 * inside: systemd is PID 1 with container=docker, `/` is shared and /sys read-only with writable cgroups, each has its
 * own machine-id and product_uuid, Docker's minimum API is 1.44 (Docker 29's) and an API 1.43 client is refused,
 * containerd is 2.x, cri-dockerd's units sit where kicbase has them (not enabled, no binary), and a container of the
 * node's own dockerd resolves the other node's name through the node (the DNS rewrite). ~1 min.
 */
import { KICBASE_LIKE, requireEngine, requireKicbaseLike } from './support/engine';
import { nodeSh, pollFor, readRealBinaries, sideLoadImages } from './support/real-node';
import { run, runOk } from './support/validators';

const suffix = process.pid.toString(36);
const network = `nxk-kiclike-${suffix}`;
const names = [`nxk-kiclike-a-${suffix}`, `nxk-kiclike-b-${suffix}`];
const testRun = process.env.NX_KUBELET_TEST_RUN_DIR;
const labels = testRun ? ['--label', `org.nx-kubelet.test-run=${testRun}`] : [];

function remove(): void {
  for (const name of names) run('docker', ['rm', '--force', '--volumes', name]);
  for (const name of names) run('docker', ['volume', 'rm', '--force', `${name}-var`]);
  run('docker', ['network', 'rm', network]);
}

beforeAll(async () => {
  requireEngine();
  requireKicbaseLike();
  remove();
  runOk('docker', ['network', 'create', ...labels, network]);
  for (const name of names) {
    runOk('docker', ['volume', 'create', ...labels, `${name}-var`]);
    runOk('docker', [
      'run',
      '--detach',
      '--tty',
      '--name',
      name,
      '--hostname',
      name,
      ...labels,
      '--network',
      network,
      '--privileged',
      '--security-opt',
      'seccomp=unconfined',
      '--security-opt',
      'apparmor=unconfined',
      '--cgroupns',
      'private',
      '--tmpfs',
      '/run',
      '--tmpfs',
      '/tmp',
      '--volume',
      '/lib/modules:/lib/modules:ro',
      '--volume',
      `${name}-var:/var`,
      KICBASE_LIKE,
    ]);
  }
  for (const name of names) {
    await pollFor(
      () => (['running', 'degraded'].includes(run('docker', ['exec', name, 'systemctl', 'is-system-running']).stdout.trim()) ? true : undefined),
      90_000,
      () => `systemd up in ${name}: ${run('docker', ['logs', '--tail', '20', name]).stdout}`,
    );
    await pollFor(
      () => (run('docker', ['exec', name, 'docker', 'info']).status === 0 ? true : undefined),
      60_000,
      () => `dockerd in ${name}: ${nodeSh(name, 'journalctl -u docker --no-pager -n 20 2>&1 || true')}`,
    );
  }
}, 240_000);

afterAll(() => remove());

const [a, b] = names;

it('runs systemd as PID 1 with container=docker, and STOPSIGNAL is SIGRTMIN+3', () => {
  expect(nodeSh(a, 'cat /proc/1/comm').trim()).toBe('systemd');
  expect(nodeSh(a, "tr '\\0' '\\n' < /proc/1/environ").split('\n')).toContain('container=docker');
  expect(runOk('docker', ['image', 'inspect', '--format', '{{.Config.StopSignal}}', KICBASE_LIKE]).trim()).toBe('SIGRTMIN+3');
  const logs = run('docker', ['logs', a]);
  expect(logs.stderr + logs.stdout).toMatch(/kicbase-like: ready: .*exec \/sbin\/init/);
});

it('makes / shared and /sys read-only, with the cgroup controllers writable', () => {
  expect(nodeSh(a, 'findmnt -no PROPAGATION /').trim()).toMatch(/^shared/);
  expect(nodeSh(a, 'findmnt -no OPTIONS /sys').split(',')).toContain('ro');
  // The cgroup hierarchies (v1 controllers, or cgroup2) stay writable; systemd makes v1's tmpfs above them read-only.
  const hierarchies = nodeSh(a, 'findmnt -rno TARGET,FSTYPE,OPTIONS -R /sys/fs/cgroup')
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, fstype]) => fstype === 'cgroup' || fstype === 'cgroup2');
  expect(hierarchies.length).toBeGreaterThan(0);
  for (const [target, , options] of hierarchies) expect(`${target} ${options}`).toMatch(/ rw(,|$)/);
});

it('gives each container its own machine-id and product_uuid', () => {
  const ids = names.map((name) => nodeSh(name, 'cat /etc/machine-id').trim());
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  expect(ids[0]).not.toBe(ids[1]);
  const uuids = names.map((name) => nodeSh(name, 'cat /kind/product_uuid').trim());
  for (const uuid of uuids) expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
  expect(uuids[0]).not.toBe(uuids[1]);
  // Where the host has DMI, the generated one is what the kubelet reads (this VM may have none).
  expect(nodeSh(a, 'if [ -e /sys/class/dmi/id/product_uuid ]; then cat /sys/class/dmi/id/product_uuid; else cat /kind/product_uuid; fi').trim()).toBe(uuids[0]);
});

it("has Docker 29's API floor (minimum API 1.44) and refuses a client at API 1.43", () => {
  expect(nodeSh(a, "docker version --format '{{.Server.MinAPIVersion}}'").trim()).toBe('1.44');
  expect(nodeSh(a, "docker version --format '{{.Server.Version}}'").trim()).toMatch(/^28\./);
  const old = run('docker', ['exec', '--env', 'DOCKER_API_VERSION=1.43', a, 'docker', 'version']);
  expect(old.status).not.toBe(0);
  expect(old.stderr + old.stdout).toContain('client version 1.43 is too old');
  // The stand-in for v0.0.47 has no floor (Docker 28's own): no drop-in sets DOCKER_MIN_API_VERSION.
  const grep = (image: string) =>
    run('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      image,
      '-c',
      'cat /lib/systemd/system/docker.service /etc/systemd/system/docker.service.d/*.conf 2>/dev/null',
    ]).stdout;
  expect(grep(KICBASE_LIKE)).toContain('Environment=DOCKER_MIN_API_VERSION=1.44');
  expect(grep('nx-kubelet/kicbase-like:v0.0.47')).not.toContain('DOCKER_MIN_API_VERSION');
});

it("has containerd 2 and kicbase's cri-dockerd layout: units in /usr/lib/systemd/system, not enabled, no binary", () => {
  expect(nodeSh(a, 'containerd --version')).toMatch(/ v?2\.\d+\.\d+/);
  expect(nodeSh(a, 'ls /usr/lib/systemd/system/cri-docker.socket /usr/lib/systemd/system/cri-docker.service').trim().split('\n')).toHaveLength(2);
  expect(run('docker', ['exec', a, 'systemctl', 'is-enabled', 'cri-docker.socket']).stdout.trim()).toBe('disabled');
  expect(run('docker', ['exec', a, 'test', '-e', '/usr/bin/cri-dockerd']).status).not.toBe(0);
  expect(run('docker', ['exec', a, 'systemctl', 'is-enabled', 'docker.service']).stdout.trim()).toBe('enabled');
});

it("lets a container of the node's own dockerd resolve names through the node (no 127.0.0.11 in resolv.conf)", () => {
  const address = runOk('docker', ['inspect', '--format', `{{ (index .NetworkSettings.Networks "${network}").IPAddress }}`, a]).trim();
  const resolv = nodeSh(a, 'cat /etc/resolv.conf');
  expect(resolv).not.toMatch(/^nameserver 127\.0\.0\.11$/m);
  expect(resolv).toMatch(new RegExp(`^nameserver ${address.replace(/\./g, '\\.')}$`, 'm'));
  const { workloadImage } = readRealBinaries();
  sideLoadImages(a, [workloadImage]);
  const lookup = nodeSh(a, `docker run --rm ${workloadImage} nslookup ${b}`);
  const bAddress = runOk('docker', ['inspect', '--format', `{{ (index .NetworkSettings.Networks "${network}").IPAddress }}`, b]).trim();
  expect(lookup).toContain(`Address: ${bAddress}`);
});
