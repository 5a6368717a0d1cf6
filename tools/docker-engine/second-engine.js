// A second Docker engine on this machine, as a test host of the project's own: dockerd in a network namespace of its
// own (own data-root, exec-root, pidfile, socket and bridge), listening on TCP at the namespace's veth address only
// (10.231.<n>.2; the host side is 10.231.<n>.1), reached as DOCKER_HOST=tcp://10.231.<n>.2:2375. For the fleet test
// and benchmark: nodes on two engines. Needs root, iproute2 and util-linux's nsenter (dockerd is started with nsenter
// rather than `ip netns exec`, which remounts /sys and hides the cgroup mounts dockerd needs).
//
// Usage from tests: const engine = await startSecondEngine(); …; engine.stop(); engine.remove();
// From a shell:     node tools/docker-engine/second-engine.js   (prints DOCKER_HOST; Ctrl-C stops and removes it)
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, openSync, readFileSync, rmSync } = require('node:fs');
const { sh, runFromShell } = require('./lib');

function requirements() {
  if (process.getuid && process.getuid() !== 0) throw new Error('second-engine: needs root (network namespaces, a dockerd of its own).');
  for (const [tool, args, hint] of [
    ['ip', ['-V'], 'install iproute2'],
    ['nsenter', ['--version'], 'install util-linux'],
    ['/usr/sbin/dockerd', ['--version'], 'run tools/docker-engine/start.sh (it installs Docker 26)'],
  ]) {
    const result = spawnSync(tool, args, { encoding: 'utf8' });
    if (result.error || result.status !== 0) throw new Error(`second-engine: ${tool} is missing or broken: ${hint}.`);
  }
}

/**
 * Starts the engine; resolves once it answers on TCP. `index` (1-250) picks the namespace, names and subnet, so that
 * several can run at once; by default one derived from the process ID.
 */
async function startSecondEngine({ index = freeIndex((process.pid % 240) + 5), timeoutMs = 60_000 } = {}) {
  requirements();
  const id = `nxk-e${index}`;
  const hostIf = `${id}-h`;
  const nsIf = `${id}-n`;
  const address = `10.231.${index}.2`;
  const paths = { dataRoot: `/var/lib/${id}`, execRoot: `/run/${id}`, pidfile: `/run/${id}.pid`, socket: `/run/${id}.sock`, log: `/tmp/${id}-dockerd.log` };
  const engine = {
    id,
    address,
    host: `tcp://${address}:2375`,
    paths,
    /** The engine's docker CLI argv prefix. */
    docker: (...args) => ['docker', '--host', `tcp://${address}:2375`, ...args],
    pid: undefined,
    stop,
    remove,
  };
  // Leftovers of an earlier run with the same index (a killed test) go first.
  remove();
  sh(['ip', 'netns', 'add', id]);
  sh(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
  sh(['ip', 'link', 'set', nsIf, 'netns', id]);
  sh(['ip', 'addr', 'add', `10.231.${index}.1/30`, 'dev', hostIf]);
  sh(['ip', 'link', 'set', hostIf, 'up']);
  sh(['ip', 'netns', 'exec', id, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsIf]);
  sh(['ip', 'netns', 'exec', id, 'ip', 'link', 'set', nsIf, 'up']);
  sh(['ip', 'netns', 'exec', id, 'ip', 'link', 'set', 'lo', 'up']);
  mkdirSync(paths.dataRoot, { recursive: true });
  const log = openSync(paths.log, 'w');
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${id}`,
      '/usr/sbin/dockerd',
      '--data-root',
      paths.dataRoot,
      '--exec-root',
      paths.execRoot,
      '--pidfile',
      paths.pidfile,
      '--host',
      `unix://${paths.socket}`,
      '--host',
      `tcp://${address}:2375`,
      // A test host on a veth of its own: plain TCP on that address only (dockerd warns, rightly).
      '--tls=false',
      '--bip',
      `172.31.${index}.1/24`,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  engine.pid = child.pid;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const version = spawnSync('docker', ['--host', engine.host, 'version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' });
    if (version.status === 0 && version.stdout.trim()) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = existsSync(paths.log) ? readFileSync(paths.log, 'utf8').split('\n').slice(-15).join('\n') : '';
      remove();
      throw new Error(`second-engine: dockerd in ${id} did not answer on ${engine.host} within ${timeoutMs / 1000} s:\n${tail}`);
    }
    spawnSync('sleep', ['0.5']);
  }
  return engine;

  /** Stops dockerd (its containers stop with it); waits until it has exited. Only ever this engine's dockerd. */
  function stop() {
    const pid = existsSync(paths.pidfile) ? Number(readFileSync(paths.pidfile, 'utf8')) : engine.pid;
    if (!pid || !isOurDockerd(pid, paths.dataRoot)) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return; // not running
    }
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      if (!alive(pid)) return;
      spawnSync('sleep', ['0.3']);
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }

  /** Stops it if it runs, and removes its namespace, veth, state and files. */
  function remove() {
    stop();
    // Mounts a killed dockerd left behind under its roots would keep the folders busy.
    for (const root of [paths.execRoot, paths.dataRoot]) {
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((line) => line.split(' ')[1])
        .filter((point) => point && point.startsWith(root));
      for (const point of mounts.reverse()) spawnSync('umount', ['-l', point]);
    }
    sh(['ip', 'netns', 'del', id], { allowFailure: true });
    sh(['ip', 'link', 'del', hostIf], { allowFailure: true });
    for (const path of [paths.dataRoot, paths.execRoot, paths.pidfile, paths.socket]) rmSync(path, { recursive: true, force: true });
  }
}

/** True when `pid` is a dockerd with this data-root (a stale pidfile's number may belong to anything by now). */
function isOurDockerd(pid, dataRoot) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((arg) => arg.endsWith('dockerd')) && argv.includes(dataRoot);
  } catch {
    return false;
  }
}

/** The first index from `start` whose namespace no running engine of ours uses (a leftover one is removed on start). */
function freeIndex(start) {
  for (let offset = 0; offset < 245; offset++) {
    const index = ((start - 5 + offset) % 245) + 5;
    const pidfile = `/run/nxk-e${index}.pid`;
    const busy = existsSync(pidfile) && isOurDockerd(Number(readFileSync(pidfile, 'utf8')), `/var/lib/nxk-e${index}`);
    if (!busy) return index;
  }
  throw new Error('second-engine: every index (5-249) has a running engine: remove some (node tools/docker-engine/second-engine.js starts and removes one).');
}

/** True while `pid` runs (an exited child of ours that nobody reaped yet is a zombie: not running). */
function alive(pid) {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

module.exports = { startSecondEngine };

if (require.main === module) {
  runFromShell({ start: startSecondEngine, describe: (engine) => `second engine up: DOCKER_HOST=${engine.host} (namespace ${engine.id})` });
}
