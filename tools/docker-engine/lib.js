// What the tests' own engines and hosts share (second-engine.js, docker28-engine.js, the cgroup v2 VM): running a
// command without a shell, the Debian archive to debootstrap from, and copying images from the host's engine into
// another engine.
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');

/** Runs argv (no shell); throws with the command and the end of its output unless it succeeds or `allowFailure`. */
function sh(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${argv.join(' ')} could not start: ${result.error.message}`);
  if (result.status !== 0 && !options.allowFailure)
    throw new Error(`${argv.join(' ')} failed (${result.status}): ${(result.stderr || result.stdout || '').trim().slice(-3000)}`);
  return result;
}

/** The Debian archive: NX_KUBELET_DEBIAN_MIRROR, else the one apt on this machine uses, else deb.debian.org. */
function mirror() {
  if (process.env.NX_KUBELET_DEBIAN_MIRROR) return process.env.NX_KUBELET_DEBIAN_MIRROR;
  try {
    const uris = readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf8').match(/^URIs:\s*(\S+)/m);
    if (uris) return uris[1];
  } catch {
    // no deb822 sources: the default
  }
  return 'http://deb.debian.org/debian';
}

/**
 * Copies images from the host's engine into another: `docker save` piped into its `docker load` (no shell, no file).
 * `engine` has `docker(...args)` (the argv of its CLI) and `host` (named in the error).
 */
function loadImages(engine, images) {
  return new Promise((resolve, reject) => {
    const save = spawn('docker', ['save', ...images], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [command, ...args] = engine.docker('load', '--quiet');
    const load = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let errors = '';
    save.stderr.on('data', (chunk) => (errors += chunk));
    load.stderr.on('data', (chunk) => (errors += chunk));
    save.stdout.pipe(load.stdin);
    const exits = [save, load].map((child) => new Promise((done) => child.on('close', (code) => done(code))));
    Promise.all(exits).then(([saved, loaded]) => {
      if (saved === 0 && loaded === 0) resolve();
      else reject(new Error(`loading ${images.join(', ')} into ${engine.host} failed (save ${saved}, load ${loaded}): ${errors.trim()}`));
    });
  });
}

/**
 * Runs a test engine from a shell (`node <script>`, `node <script> prepare`): `prepare` makes its image and says how
 * (`prepare()` returns that line); otherwise `start()` starts it, `describe(engine)` prints its DOCKER_HOST line, and it
 * runs until Ctrl-C, which removes it. Failures print their message and exit 1.
 */
function runFromShell({ prepare, start, describe }) {
  if (prepare && process.argv[2] === 'prepare') {
    try {
      console.log(prepare());
    } catch (error) {
      console.error(error.message);
      process.exit(1);
    }
    return;
  }
  start().then(
    (engine) => {
      console.log(`${describe(engine)} (Ctrl-C stops and removes it)`);
      const stop = () => {
        engine.remove();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      setInterval(() => undefined, 1 << 30);
    },
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}

module.exports = { sh, mirror, loadImages, runFromShell };
