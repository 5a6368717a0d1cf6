// A Docker 28 engine with the containerd image store, as a test host of the project's own: Debian sid's docker.io
// 28.x and containerd 2.x in a container of the host's Docker engine (the host's packages are never upgraded). The
// image is a debootstrapped sid root filesystem imported into the host engine as nx-kubelet/engine-docker28:sid;
// the container runs privileged, with its data-root on a volume of its own (not overlay), daemon.json
// `{"features": {"containerd-snapshotter": true}}`, and dockerd listening on TCP 2375 at the container's bridge
// address only (nothing is published on the host), reached as DOCKER_HOST=tcp://<address>:2375 like the fleet test's
// second engine (second-engine.js).
//
// The image is built once and cached: prepareDocker28Image() keeps the root filesystem's tarball in
// /var/cache/nx-kubelet (keyed on the suite, the packages and the entrypoint) and the imported image in the host
// engine (labelled with the same key); a re-run finds the image and costs nothing, a removed image is re-imported
// from the tarball in seconds, a cold build (debootstrap) takes a few minutes. Needs root (debootstrap, chroot).
//
// Usage from tests: const engine = await startDocker28Engine(); …; engine.stop(); engine.remove();
// From a shell:     node tools/docker-engine/docker28-engine.js           (prints DOCKER_HOST; Ctrl-C removes it)
//                   node tools/docker-engine/docker28-engine.js prepare   (builds or checks the image only)
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } = require('node:fs');
const { join } = require('node:path');
const { sh, mirror, runFromShell } = require('./lib');

const SUITE = 'sid';
/** What the root filesystem gets beyond minbase (debootstrap resolves their dependencies: runc, libraries…). */
const PACKAGES = ['docker.io', 'containerd', 'iptables', 'ca-certificates', 'tini', 'procps'];
const IMAGE = `nx-kubelet/engine-docker28:${SUITE}`;
const LABEL = 'org.nx-kubelet.engine-docker28';
const WANT_MAJOR = '28';
const STORE_DRIVER = 'io.containerd.snapshotter.v1';
const CACHE = process.env.NX_KUBELET_CACHE || '/var/cache/nx-kubelet';
const DAEMON_JSON = { features: { 'containerd-snapshotter': true }, 'log-level': 'warn' };

// The container's PID 1 (under tini): dockerd on the unix socket and on TCP at the container's own address only.
const ENTRYPOINT = `#!/bin/sh
# nx-kubelet test engine: Docker ${WANT_MAJOR} with the containerd image store (tools/docker-engine/docker28-engine.js).
set -eu
address=$(hostname -i | cut -d' ' -f1)
[ -n "$address" ] || { echo "engine-docker28: no address for $(hostname)" >&2; exit 1; }
# cgroup v2: move this process out of the root group so that dockerd can delegate controllers (as docker:dind does).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs || :
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control || :
fi
# A test host on the host's bridge: plain TCP on that address only (dockerd warns, rightly).
exec /usr/sbin/dockerd --host unix:///var/run/docker.sock --host "tcp://$address:2375" --tls=false
`;

/** The cache key: what the image is made of. */
function imageKey() {
  return createHash('sha256')
    .update(JSON.stringify({ suite: SUITE, packages: PACKAGES, entrypoint: ENTRYPOINT, daemon: DAEMON_JSON }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Makes sure the engine image is in the host engine, built from the current key. Returns what it did
 * ('cached' | 'imported' | 'built') and how long it took; throws with the reason (debootstrap's output) otherwise.
 */
function prepareDocker28Image({ log = (line) => console.error(line) } = {}) {
  const started = Date.now();
  const key = imageKey();
  const daemon = sh(['docker', 'version', '--format', '{{.Server.Version}}'], { allowFailure: true });
  if (daemon.status !== 0) {
    throw new Error(
      `engine-docker28: the host's Docker engine does not answer (${(daemon.stderr || daemon.stdout).trim()}): start it with tools/docker-engine/start.sh.`,
    );
  }
  const label = sh(['docker', 'image', 'inspect', '--format', `{{ index .Config.Labels "${LABEL}" }}`, IMAGE], { allowFailure: true });
  if (label.status === 0 && label.stdout.trim() === key) return { image: IMAGE, key, how: 'cached', seconds: (Date.now() - started) / 1000 };
  if (process.getuid && process.getuid() !== 0) throw new Error('engine-docker28: building the image needs root (debootstrap, chroot).');
  const tarball = join(CACHE, `engine-docker28-${SUITE}-${key}.tar`);
  let how = 'imported';
  if (!existsSync(tarball)) {
    how = 'built';
    const debootstrap = spawnSync('debootstrap', ['--version'], { encoding: 'utf8' });
    if (debootstrap.error || debootstrap.status !== 0) {
      throw new Error('engine-docker28: debootstrap is missing or broken: install it (tools/docker-engine/start.sh does, with Docker 26).');
    }
    mkdirSync(CACHE, { recursive: true });
    const rootfs = mkdtempSync(join(CACHE, 'engine-docker28-rootfs-'));
    try {
      log(`engine-docker28: debootstrap ${SUITE} (minbase + ${PACKAGES.join(', ')}) from ${mirror()} (a few minutes)`);
      const boot = sh(['debootstrap', '--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, rootfs, mirror()], { allowFailure: true });
      if (boot.status !== 0) {
        const debootstrapLog = join(rootfs, 'debootstrap', 'debootstrap.log');
        const tail = existsSync(debootstrapLog) ? readFileSync(debootstrapLog, 'utf8').split('\n').slice(-25).join('\n') : '';
        throw new Error(`engine-docker28: debootstrap ${SUITE} failed (${boot.status}):\n${(boot.stderr || boot.stdout).trim().slice(-3000)}\n${tail}`);
      }
      for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
        for (const entry of readdirSync(join(rootfs, dir)))
          if (entry !== 'partial' && entry !== 'lock') rmSync(join(rootfs, dir, entry), { recursive: true, force: true });
      }
      mkdirSync(join(rootfs, 'etc', 'docker'), { recursive: true });
      writeFileSync(join(rootfs, 'etc', 'docker', 'daemon.json'), `${JSON.stringify(DAEMON_JSON, null, 2)}\n`);
      writeFileSync(join(rootfs, 'usr', 'local', 'bin', 'nx-kubelet-engine'), ENTRYPOINT);
      chmodSync(join(rootfs, 'usr', 'local', 'bin', 'nx-kubelet-engine'), 0o755);
      const version = sh(['chroot', rootfs, 'dpkg-query', '-W', '-f', '${Version}', 'docker.io']).stdout.trim();
      if (!version.startsWith(`${WANT_MAJOR}.`))
        throw new Error(`engine-docker28: Debian ${SUITE} now ships docker.io ${version}, not ${WANT_MAJOR}.x: update tools/docker-engine/docker28-engine.js.`);
      sh(['tar', '--numeric-owner', '--xattrs', '-C', rootfs, '-cf', `${tarball}.tmp`, '.']);
      renameSync(`${tarball}.tmp`, tarball);
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
      rmSync(`${tarball}.tmp`, { force: true });
    }
    // Tarballs of earlier keys are of no more use.
    for (const entry of readdirSync(CACHE)) {
      if (entry.startsWith(`engine-docker28-${SUITE}-`) && entry.endsWith('.tar') && join(CACHE, entry) !== tarball)
        rmSync(join(CACHE, entry), { force: true });
    }
  }
  sh([
    'docker',
    'import',
    '--change',
    `LABEL ${LABEL}=${key}`,
    '--change',
    'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/nx-kubelet-engine"]',
    '--change',
    'VOLUME /var/lib/docker',
    tarball,
    IMAGE,
  ]);
  return { image: IMAGE, key, how, seconds: (Date.now() - started) / 1000 };
}

/**
 * Starts an engine container (preparing the image first); resolves once dockerd answers on TCP and is checked:
 * Server Version 28.x and the containerd image store. `name` picks the container and volume names; by default one
 * derived from the process ID, so that several test runs can each have their own.
 */
async function startDocker28Engine({ name = `nxk-docker28-${process.pid.toString(36)}`, timeoutMs = 120_000, log } = {}) {
  const prepared = prepareDocker28Image({ log });
  const volume = `${name}-data`;
  const engine = {
    name,
    volume,
    image: IMAGE,
    prepared,
    address: undefined,
    host: undefined,
    /** The engine's docker CLI argv prefix. */
    docker: (...args) => ['docker', '--host', engine.host, ...args],
    info: undefined,
    stop,
    remove,
  };
  // Leftovers of an earlier run with the same name (a killed test) go first.
  remove();
  // In a test run, labelled with its folder: the run's sweep (tools/test-run/sweep.js) removes the engine when the run
  // is interrupted and no afterAll runs.
  const testRun = process.env.NX_KUBELET_TEST_RUN_DIR;
  const labels = ['--label', 'org.nx-kubelet.engine=docker28', ...(testRun ? ['--label', `org.nx-kubelet.test-run=${testRun}`] : [])];
  try {
    sh(['docker', 'volume', 'create', ...labels, volume]);
    sh(['docker', 'run', '--detach', '--privileged', '--name', name, '--hostname', name, ...labels, '--volume', `${volume}:/var/lib/docker`, IMAGE]);
    engine.address = sh(['docker', 'inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', name]).stdout.trim().split(' ')[0];
    if (!engine.address) throw new Error(`the container ${name} has no address on the host's bridge`);
    engine.host = `tcp://${engine.address}:2375`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = spawnSync('docker', ['--host', engine.host, 'info', '--format', '{{json .}}'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      if (info.status === 0 && info.stdout.trim()) {
        engine.info = JSON.parse(info.stdout);
        break;
      }
      const running = sh(['docker', 'inspect', '--format', '{{.State.Running}}', name], { allowFailure: true }).stdout.trim();
      if (running !== 'true' || Date.now() > deadline) {
        throw new Error(`dockerd did not answer on ${engine.host} within ${timeoutMs / 1000} s (container running: ${running || 'gone'})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const version = engine.info.ServerVersion ?? '';
    const store = (engine.info.DriverStatus ?? []).find(([key]) => key === 'driver-type')?.[1];
    if (!version.startsWith(`${WANT_MAJOR}.`)) throw new Error(`the engine reports Server Version ${version}, not ${WANT_MAJOR}.x`);
    if (store !== STORE_DRIVER) throw new Error(`the engine's image store is ${store ?? engine.info.Driver}, not the containerd image store (${STORE_DRIVER})`);
  } catch (error) {
    const logs = sh(['docker', 'logs', '--tail', '30', name], { allowFailure: true });
    remove();
    throw new Error(`engine-docker28: ${error.message}\n${`${logs.stdout}${logs.stderr}`.trim()}`);
  }
  return engine;

  /** Stops the engine's container (its containers stop with it). */
  function stop() {
    sh(['docker', 'stop', '--time', '30', name], { allowFailure: true });
  }

  /** Removes the container and its volume (everything the engine held). Only ever this engine's. */
  function remove() {
    sh(['docker', 'rm', '--force', '--volumes', name], { allowFailure: true });
    sh(['docker', 'volume', 'rm', '--force', volume], { allowFailure: true });
  }
}

module.exports = { startDocker28Engine, prepareDocker28Image, DOCKER28_IMAGE: IMAGE, DOCKER28_PACKAGES: PACKAGES };

if (require.main === module) {
  runFromShell({
    prepare: () => {
      const prepared = prepareDocker28Image();
      return `engine-docker28: ${prepared.image} ${prepared.how} in ${prepared.seconds.toFixed(1)} s`;
    },
    start: startDocker28Engine,
    describe: (engine) => `Docker ${engine.info.ServerVersion} (containerd image store) up: DOCKER_HOST=${engine.host} (container ${engine.name})`,
  });
}
