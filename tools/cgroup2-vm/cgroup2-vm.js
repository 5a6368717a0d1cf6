// A cgroup v2-only host for the tests, on a machine whose own kernel mounts cgroup v1 (this machine's cgroups are
// never touched): a virtual machine under qemu-system-x86_64 (software emulation, TCG: it runs without /dev/kvm), booting
// Debian trixie's kernel (linux-image-amd64, direct kernel boot with its initramfs) with the unified hierarchy only
// (systemd 257, `systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all`), on a root filesystem made with debootstrap
// (systemd, the kernel, docker.io 26 + containerd, iptables, iproute2, ca-certificates). Its dockerd listens on TCP
// 2375 inside the VM; qemu's user networking forwards a port on the host's loopback to it (hostfwd), so the host's
// docker CLI and the project's operations reach it as a remote engine: DOCKER_HOST=tcp://127.0.0.1:<port>. Nothing
// else is forwarded; the VM sees no host network but qemu's NAT.
//
// The image is built once and cached in /var/cache/nx-kubelet/cgroup2-vm/<key>/ (disk.qcow2, vmlinuz, initrd.img),
// the key being the hash of the package list and the recipe (this file's recipe constants): a re-run costs nothing,
// a change rebuilds. Each VM boots from a copy-on-write overlay (qemu-img create -b), so the cached image stays clean.
//
// Usage from tests: const vm = await startCgroup2Vm(); vm.docker('info'); await loadImagesIntoVm(vm, [...]); vm.remove();
// From a shell:     node tools/cgroup2-vm/cgroup2-vm.js prepare   (builds or checks the image; tools/cgroup2-vm/build-image.sh)
//                   node tools/cgroup2-vm/cgroup2-vm.js           (boots one, prints DOCKER_HOST; Ctrl-C removes it)
const { spawn, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { createServer } = require('node:net');
const { sh, mirror, loadImages, runFromShell } = require('../docker-engine/lib');
const {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  symlinkSync,
  copyFileSync,
} = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const SUITE = 'trixie';
/** What the root filesystem gets beyond minbase (debootstrap resolves their dependencies). */
const PACKAGES = [
  'systemd',
  'systemd-sysv',
  'udev',
  'kmod',
  'linux-image-amd64',
  'initramfs-tools',
  'zstd',
  'docker.io',
  'containerd',
  'iptables',
  'iproute2',
  'ca-certificates',
  'procps',
  'e2fsprogs',
];
const WANT_DOCKER_MAJOR = '26';
const CACHE = join(process.env.NX_KUBELET_CACHE || '/var/cache/nx-kubelet', 'cgroup2-vm');
/** The root filesystem's size (sparse; images and nodes go to the VM's overlay on top of it). */
const DISK_SIZE = '24G';
const KERNEL_CMDLINE = [
  'root=/dev/vda',
  'rw',
  'rootfstype=ext4',
  'console=ttyS0',
  'net.ifnames=0',
  'systemd.unified_cgroup_hierarchy=1',
  'cgroup_no_v1=all',
  'systemd.show_status=1',
  'panic=-1',
].join(' ');
/** The VM's network (qemu user networking's defaults): the guest is 10.0.2.15, the gateway and DNS 10.0.2.2/.3. */
const NETWORK_UNIT = `[Unit]
Description=nx-kubelet cgroup2-vm: eth0 on qemu's user network (10.0.2.15/24)
Before=network-online.target docker.service containerd.service
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/ip link set lo up
ExecStart=/usr/sbin/ip link set eth0 up
ExecStart=/usr/sbin/ip addr add 10.0.2.15/24 dev eth0
ExecStart=/usr/sbin/ip route add default via 10.0.2.2

[Install]
WantedBy=multi-user.target
`;
/** dockerd on its socket (socket-activated, as Debian ships it) and on TCP 2375 inside the VM (forwarded to the host's loopback). */
const DOCKER_DROP_IN = `[Service]
ExecStart=
ExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --tls=false --containerd=/run/containerd/containerd.sock
`;
const DAEMON_JSON = { 'log-level': 'warn', 'storage-driver': 'overlay2' };
/** Everything the image is made of; its hash is the cache key. Bump RECIPE when the steps below change. */
const RECIPE = 2;

function imageKey() {
  return createHash('sha256')
    .update(JSON.stringify({ RECIPE, SUITE, PACKAGES, DISK_SIZE, NETWORK_UNIT, DOCKER_DROP_IN, DAEMON_JSON, KERNEL_CMDLINE }))
    .digest('hex')
    .slice(0, 16);
}

const tool = (command, args = ['--version']) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return !result.error && result.status === 0;
};

/** qemu-system-x86_64 and qemu-img (Debian's qemu-system-x86 and qemu-utils), installed with apt-get when missing. */
function requireQemu(log) {
  if (tool('qemu-system-x86_64') && tool('qemu-img')) return;
  if (process.getuid && process.getuid() !== 0)
    throw new Error('cgroup2-vm: qemu-system-x86_64 or qemu-img is missing; install them as root: apt-get install qemu-system-x86 qemu-utils');
  log('cgroup2-vm: installing qemu-system-x86 and qemu-utils with apt-get');
  const install = sh(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'qemu-system-x86', 'qemu-utils'], {
    allowFailure: true,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.status !== 0 || !tool('qemu-system-x86_64') || !tool('qemu-img'))
    throw new Error(
      `cgroup2-vm: could not install qemu (apt-get install qemu-system-x86 qemu-utils: ${install.status}): ${(install.stderr || install.stdout).trim().slice(-2000)}`,
    );
}

/** The cached image's files for the current key. */
function imagePaths(key = imageKey()) {
  const dir = join(CACHE, key);
  return { dir, disk: join(dir, 'disk.qcow2'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), info: join(dir, 'image.json') };
}

/**
 * Makes sure the VM image for the current key is in the cache. Returns { key, how: 'cached' | 'built', seconds, ... };
 * throws with the reason (qemu, debootstrap, the mirror, the kernel) otherwise. Needs root to build (debootstrap, chroot).
 */
function prepareCgroup2VmImage({ log = (line) => console.error(line) } = {}) {
  const started = Date.now();
  requireQemu(log);
  const key = imageKey();
  const paths = imagePaths(key);
  const done = (how) => ({ key, how, seconds: (Date.now() - started) / 1000, ...paths, ...JSON.parse(readFileSync(paths.info, 'utf8')) });
  if ([paths.disk, paths.kernel, paths.initrd, paths.info].every((path) => existsSync(path))) return done('cached');
  if (process.getuid && process.getuid() !== 0) throw new Error('cgroup2-vm: building the image needs root (debootstrap, chroot).');
  if (!tool('debootstrap')) {
    log('cgroup2-vm: installing debootstrap with apt-get');
    sh(['apt-get', 'install', '-y', '-qq', 'debootstrap'], { allowFailure: true, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (!tool('debootstrap')) throw new Error('cgroup2-vm: debootstrap is missing and could not be installed (apt-get install debootstrap).');
  }
  if (!tool('mkfs.ext4', ['-V'])) throw new Error('cgroup2-vm: mkfs.ext4 (e2fsprogs) is missing.');
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, 'build-'));
  const rootfs = join(work, 'rootfs');
  try {
    log(`cgroup2-vm: debootstrap ${SUITE} (minbase + ${PACKAGES.join(', ')}) from ${mirror()} (several minutes)`);
    const boot = sh(['debootstrap', '--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, rootfs, mirror()], {
      allowFailure: true,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (boot.status !== 0) {
      const debootstrapLog = join(rootfs, 'debootstrap', 'debootstrap.log');
      const tail = existsSync(debootstrapLog) ? readFileSync(debootstrapLog, 'utf8').split('\n').slice(-25).join('\n') : '';
      throw new Error(
        `cgroup2-vm: debootstrap ${SUITE} from ${mirror()} failed (${boot.status}):\n${(boot.stderr || boot.stdout).trim().slice(-3000)}\n${tail}`,
      );
    }
    // The kernel and its initramfs (made by the kernel's postinst in the chroot).
    const boots = readdirSync(join(rootfs, 'boot'));
    const vmlinuz = boots
      .filter((f) => /^vmlinuz-/.test(f))
      .sort()
      .pop();
    const initrd = vmlinuz && boots.find((f) => f === `initrd.img-${vmlinuz.slice('vmlinuz-'.length)}`);
    if (!vmlinuz || !initrd) throw new Error(`cgroup2-vm: no kernel with an initramfs in the root filesystem's /boot (${boots.join(', ') || 'empty'})`);
    const kernelVersion = vmlinuz.slice('vmlinuz-'.length);
    const dockerVersion = sh(['chroot', rootfs, 'dpkg-query', '-W', '-f', '${Version}', 'docker.io']).stdout.trim();
    if (!dockerVersion.startsWith(`${WANT_DOCKER_MAJOR}.`))
      throw new Error(`cgroup2-vm: Debian ${SUITE} now ships docker.io ${dockerVersion}, not ${WANT_DOCKER_MAJOR}.x: update tools/cgroup2-vm/cgroup2-vm.js.`);
    const systemdVersion = sh(['chroot', rootfs, 'dpkg-query', '-W', '-f', '${Version}', 'systemd']).stdout.trim();
    for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const entry of readdirSync(join(rootfs, dir)))
        if (entry !== 'partial' && entry !== 'lock') rmSync(join(rootfs, dir, entry), { recursive: true, force: true });
    }
    // Configuration: hostname, root on /dev/vda, the network, dockerd on TCP, no login prompt to wait for.
    writeFileSync(join(rootfs, 'etc', 'hostname'), 'nxk-cgroup2-vm\n');
    writeFileSync(join(rootfs, 'etc', 'hosts'), '127.0.0.1 localhost\n127.0.1.1 nxk-cgroup2-vm\n');
    writeFileSync(join(rootfs, 'etc', 'fstab'), '/dev/vda / ext4 rw,relatime 0 1\n');
    writeFileSync(join(rootfs, 'etc', 'resolv.conf'), 'nameserver 10.0.2.3\n');
    writeFileSync(join(rootfs, 'etc', 'machine-id'), '');
    writeFileSync(join(rootfs, 'etc', 'systemd', 'system', 'nxk-network.service'), NETWORK_UNIT);
    mkdirSync(join(rootfs, 'etc', 'systemd', 'system', 'multi-user.target.wants'), { recursive: true });
    symlinkSync('/etc/systemd/system/nxk-network.service', join(rootfs, 'etc', 'systemd', 'system', 'multi-user.target.wants', 'nxk-network.service'));
    mkdirSync(join(rootfs, 'etc', 'systemd', 'system', 'docker.service.d'), { recursive: true });
    writeFileSync(join(rootfs, 'etc', 'systemd', 'system', 'docker.service.d', 'nxk-tcp.conf'), DOCKER_DROP_IN);
    mkdirSync(join(rootfs, 'etc', 'docker'), { recursive: true });
    writeFileSync(join(rootfs, 'etc', 'docker', 'daemon.json'), `${JSON.stringify(DAEMON_JSON, null, 2)}\n`);
    for (const unit of ['getty@tty1.service', 'serial-getty@ttyS0.service', 'apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'fstrim.timer'])
      symlinkSync('/dev/null', join(rootfs, 'etc', 'systemd', 'system', unit));
    // The cached image: an ext4 filesystem made from the directory (no loop device, no mount), as qcow2.
    const raw = join(work, 'disk.raw');
    log(`cgroup2-vm: making the ${DISK_SIZE} ext4 disk (kernel ${kernelVersion}, docker.io ${dockerVersion}, systemd ${systemdVersion})`);
    sh(['mkfs.ext4', '-q', '-F', '-L', 'nxk-root', '-d', rootfs, raw, DISK_SIZE]);
    mkdirSync(paths.dir, { recursive: true });
    sh(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, `${paths.disk}.tmp`]);
    copyFileSync(join(rootfs, 'boot', vmlinuz), paths.kernel);
    copyFileSync(join(rootfs, 'boot', initrd), paths.initrd);
    chmodSync(paths.disk + '.tmp', 0o444);
    writeFileSync(
      paths.info,
      `${JSON.stringify({ suite: SUITE, kernelVersion, dockerVersion, systemdVersion, packages: PACKAGES, builtSeconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
    );
    renameSync(`${paths.disk}.tmp`, paths.disk);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Images of earlier keys are of no more use.
  for (const entry of readdirSync(CACHE)) if (/^[0-9a-f]{16}$/.test(entry) && entry !== key) rmSync(join(CACHE, entry), { recursive: true, force: true });
  return done('built');
}

/** A free TCP port on the host's loopback (the kernel picks it; qemu binds it a moment later). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True when `pid` is a qemu of ours booting from `overlay` (a stale pidfile's number may belong to anything by now). */
function isOurQemu(pid, overlay) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((arg) => arg.endsWith('qemu-system-x86_64')) && argv.some((arg) => arg.includes(overlay));
  } catch {
    return false;
  }
}

function alive(pid) {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** The folder prefix of every VM's state (overlay, pidfile, console log): tools/test-run/sweep.js looks for it. */
const STATE_PREFIX = 'nxk-cgroup2-vm-';

/**
 * Boots a VM (preparing the image first) and resolves once its dockerd answers on the forwarded port and reports
 * cgroup v2. `timeoutMs` is generous: under TCG the kernel, systemd and dockerd take a minute or more. On failure the
 * VM is removed and the error carries the end of its serial console.
 */
async function startCgroup2Vm({ memoryMiB = 4096, cpus = 2, timeoutMs = 600_000, log = (line) => console.error(line) } = {}) {
  const image = prepareCgroup2VmImage({ log });
  const stateDir = mkdtempSync(join(process.env.NX_KUBELET_TEST_RUN_DIR || tmpdir(), STATE_PREFIX));
  const overlay = join(stateDir, 'overlay.qcow2');
  const pidfile = join(stateDir, 'qemu.pid');
  const consoleLog = join(stateDir, 'console.log');
  const port = await freePort();
  const vm = {
    stateDir,
    port,
    host: `tcp://127.0.0.1:${port}`,
    image,
    pid: undefined,
    bootSeconds: undefined,
    info: undefined,
    /** The VM engine's docker CLI argv prefix. */
    docker: (...args) => ['docker', '--host', vm.host, ...args],
    console: () => (existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8') : ''),
    /** True while this VM's qemu runs (an exited qemu that its parent has not reaped yet is not running). */
    running: () => !!vm.pid && alive(vm.pid) && isOurQemu(vm.pid, overlay),
    stop,
    remove,
  };
  const started = Date.now();
  try {
    sh(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', image.disk, '-F', 'qcow2', overlay]);
    const qemuLog = openSync(join(stateDir, 'qemu.log'), 'w');
    const child = spawn(
      'qemu-system-x86_64',
      [
        '-name',
        `nxk-cgroup2-vm,process=nxk-cgroup2-vm`,
        '-machine',
        'q35',
        '-accel',
        'tcg,thread=multi',
        '-cpu',
        'max',
        '-smp',
        String(cpus),
        '-m',
        String(memoryMiB),
        '-kernel',
        image.kernel,
        '-initrd',
        image.initrd,
        '-append',
        KERNEL_CMDLINE,
        '-drive',
        `file=${overlay},if=virtio,format=qcow2,cache=unsafe,discard=unmap`,
        '-netdev',
        `user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:2375`,
        '-device',
        'virtio-net-pci,netdev=net0',
        '-display',
        'none',
        '-serial',
        `file:${consoleLog}`,
        '-monitor',
        'none',
        '-no-reboot',
        '-pidfile',
        pidfile,
      ],
      { detached: true, stdio: ['ignore', qemuLog, qemuLog] },
    );
    child.unref();
    vm.pid = child.pid;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = spawnSync('docker', ['--host', vm.host, 'info', '--format', '{{json .}}'], {
        encoding: 'utf8',
        timeout: 30_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      if (info.status === 0 && info.stdout.trim().startsWith('{')) {
        const parsed = JSON.parse(info.stdout);
        if (parsed.ServerVersion) {
          vm.info = parsed;
          break;
        }
      }
      if (child.exitCode !== null || !alive(child.pid))
        throw new Error(`qemu exited (${child.exitCode}): ${readFileSync(join(stateDir, 'qemu.log'), 'utf8').trim().slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`dockerd did not answer on ${vm.host} within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    vm.bootSeconds = (Date.now() - started) / 1000;
    if (String(vm.info.CgroupVersion) !== '2') throw new Error(`the VM's dockerd reports cgroup version ${vm.info.CgroupVersion}, not 2`);
  } catch (error) {
    const consoleTail = vm.console().split('\n').slice(-60).join('\n');
    remove();
    throw new Error(`cgroup2-vm: ${error.message}\n--- the VM's console (last lines) ---\n${consoleTail}`);
  }
  return vm;

  /** Powers the VM off (qemu is killed; the overlay is thrown away anyway). Only ever this VM's qemu. */
  function stop() {
    const pid = existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8')) : vm.pid;
    if (!pid || !isOurQemu(pid, overlay)) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const until = Date.now() + 20_000;
    while (Date.now() < until && alive(pid)) spawnSync('sleep', ['0.2']);
    if (alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  /** Stops it and removes its overlay, pidfile and console log. */
  function remove() {
    stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Stops and removes every VM whose state folder is inside `folder` (a killed test run's); returns what it removed. */
function removeVmsIn(folder) {
  const removed = [];
  let entries = [];
  try {
    entries = readdirSync(folder);
  } catch {
    return removed;
  }
  for (const entry of entries.filter((e) => e.startsWith(STATE_PREFIX))) {
    const stateDir = join(folder, entry);
    const pidfile = join(stateDir, 'qemu.pid');
    const pid = existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8')) : 0;
    if (pid && isOurQemu(pid, join(stateDir, 'overlay.qcow2'))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
      removed.push(`cgroup2 VM (qemu ${pid})`);
    }
    rmSync(stateDir, { recursive: true, force: true });
  }
  return removed;
}

/** Copies images from the host's engine into the VM's (no shell, no file). */
function loadImagesIntoVm(vm, images) {
  return loadImages({ docker: vm.docker, host: `the cgroup2 VM (${vm.host})` }, images);
}

module.exports = { startCgroup2Vm, prepareCgroup2VmImage, loadImagesIntoVm, removeVmsIn, CGROUP2_VM_PACKAGES: PACKAGES, CGROUP2_VM_STATE_PREFIX: STATE_PREFIX };

if (require.main === module) {
  runFromShell({
    prepare: () => {
      const prepared = prepareCgroup2VmImage();
      return `cgroup2-vm: image ${prepared.key} (${prepared.suite}, kernel ${prepared.kernelVersion}, docker.io ${prepared.dockerVersion}) ${prepared.how} in ${prepared.seconds.toFixed(1)} s: ${prepared.dir}`;
    },
    start: startCgroup2Vm,
    describe: (vm) =>
      `cgroup2 VM up in ${vm.bootSeconds.toFixed(0)} s: Docker ${vm.info.ServerVersion}, cgroup v${vm.info.CgroupVersion} (${vm.info.CgroupDriver}): DOCKER_HOST=${vm.host}`,
  });
}
