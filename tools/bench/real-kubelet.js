#!/usr/bin/env node
// A node with a REAL kubelet and cri-dockerd (tools/real-binaries/build.sh), measured side by side; asserts nothing.
//   node tools/bench/real-kubelet.js [--runs 3] [--kube v1.34.4] [--cri v0.4.3] [--base stand-in|kicbase-like] [--keep]
// --base kicbase-like: the node on the kicbase-like stand-in of v0.0.50 (tools/images/kicbase-like) instead of the
// older stand-in of v0.0.47, so the two can be set side by side.
// Needs the engine, the kicbase stand-in, the real binaries and a built plugin (npm run build).
//
//   up, nx        nx run <node>:up, until it exits (it returns once the kubelet answers /healthz)
//   up, by hand   docker compose up -d; docker logs --follow until systemd's multi-user line; one docker exec polling
//                 127.0.0.1:10248/healthz every 100 ms (the executor's own poll script when the built plugin has it)
//   pod Running   a static pod manifest (busybox httpd) moved atomically into the node's /etc/kubernetes/manifests, until
//                 the kubelet's read-only API reports it Running (polled every 100 ms inside the node); the node's
//                 dockerd has the pause and workload images side-loaded and the TEST-ONLY runc wrapper first (these VMs
//                 lack CAP_SYS_RESOURCE), neither timed
//   binaries      cold build times recorded by build.sh in its index (per binary), and a cached re-run of build.sh
// Each round starts from a fresh /var volume (down --volumes between rounds); the two `up` ways take turns first.
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { arg, checkpoint, copyWorkspace, flag, median, nodeBinaries, removeNodes, run, seconds, table, withCleanup, STAND_IN, nxEnv } = require('./lib');
const { removeNode } = require('../docker-engine/leftovers');

const root = join(__dirname, '..', '..');
const BASES = {
  'stand-in': { image: STAND_IN, flags: [`--kicbaseImage=${STAND_IN}`] },
  'kicbase-like': { image: 'nx-kubelet/kicbase-like:v0.0.50', flags: ['--kicbaseVersion=v0.0.50', '--kicbaseImage=nx-kubelet/kicbase-like:v0.0.50'] },
};
const baseName = arg('--base', 'stand-in');
const base = BASES[baseName];
if (!base) throw new Error(`--base ${baseName}: one of ${Object.keys(BASES).join(', ')}`);
const runs = arg('--runs', 3);
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const env = nxEnv();
const name = `bench-real-${process.pid.toString(36)}`;

let probe = {};
try {
  probe = require('kubelet-node/node-probe');
} catch {
  // older builds: the fallback below
}
const SYSTEMD_UP = probe.SYSTEMD_UP || /Reached target .*Multi-User System|detected cgroup v1/;
const HEALTHZ_POLL =
  probe.HEALTHZ_POLL_SCRIPT ||
  'url=$1; end=$(( $(date +%s) + $2 )); while :; do curl -fsS --max-time 2 "$url" && exit 0; [ "$(date +%s)" -gt "$end" ] && exit 3; sleep 0.1; done';

const nx = (ws, ...args) => run([process.execPath, nxBin, ...args], { cwd: ws, env });
const sh = (container, script, input) => run(['docker', 'exec', ...(input === undefined ? [] : ['-i']), container, 'sh', '-c', script], { input }).stdout;
const timed = async (fn) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

/** Runs argv with its stdin held open until it exits (the executor's poll script ends when its stdin closes). */
function runHoldingStdin(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      child.stdin.destroy();
      if (code === 0) resolve(output);
      else reject(new Error(`${argv.slice(0, 4).join(' ')} … failed (${code}): ${output.slice(-2000)}`));
    });
  });
}

function followUntil(argv, regex, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const done = (ok) => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    const onData = (chunk) => {
      seen = (seen + chunk).slice(-4096);
      if (regex.test(seen)) done(true);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', () => done(false));
  });
}

function installClampAndImages(container, index, pause) {
  const realRunc = sh(container, 'command -v runc').trim();
  const wrapper = readFileSync(join(root, 'tools/real-binaries/runc-oom-clamp'), 'utf8').replace(/^REAL_RUNC=.*$/m, `REAL_RUNC=\${REAL_RUNC:-${realRunc}}`);
  sh(container, 'cat > /usr/local/bin/runc-oom-clamp && chmod 0755 /usr/local/bin/runc-oom-clamp', wrapper);
  const current = sh(container, 'cat /etc/docker/daemon.json 2>/dev/null || true').trim();
  const config = current ? JSON.parse(current) : {};
  config.runtimes = { ...(config.runtimes || {}), 'runc-oom-clamp': { path: '/usr/local/bin/runc-oom-clamp' } };
  config['default-runtime'] = 'runc-oom-clamp';
  sh(container, 'mkdir -p /etc/docker && cat > /etc/docker/daemon.json', JSON.stringify(config));
  sh(container, 'systemctl restart docker && for i in $(seq 1 60); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1');
  run(['sh', '-c', 'docker save "$@" | docker exec -i "$0" docker load', container, pause, index.workloadImage]);
}

const { httpdManifest } = require('../real-binaries/workload-pod');
const manifest = (image) => httpdManifest(image, 'httpd', 'ok');

async function podRunning(container, node, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const script = `while :; do curl -fsS http://127.0.0.1:10255/pods 2>/dev/null | grep -q '"name":"httpd-${node}".*"phase":"Running"' && exit 0; [ $(date +%s) -gt ${Math.ceil(deadline / 1000)} ] && exit 3; sleep 0.1; done`;
  return spawnSync('docker', ['exec', container, 'sh', '-c', script], { stdio: 'ignore' }).status === 0;
}

/** The temporary workspace, once made. */
let ws;

async function main() {
  const binaries = nodeBinaries.real({ kube: arg('--kube', ''), cri: arg('--cri', '') });
  const { index, kubelet, cri } = binaries;
  const pause = `registry.k8s.io/pause:${kubelet.pause}`;
  console.log(`real-kubelet bench: kubelet ${kubelet.version}, cri-dockerd ${cri.version}, ${runs} rounds, base ${base.image}`);

  ws = copyWorkspace('nx-kubelet-bench-real-');
  const dir = join(ws, 'packages', name);
  const results = { nx: [], hand: [], pod: [] };
  nx(ws, 'g', 'nx-kubelet:kubelet-node', name, '--binarySource=local', ...binaries.generatorArgs, ...base.flags, '--examplePod=false');
  binaries.install(dir);
  const buildMs = await timed(() => nx(ws, 'run', `${name}:build`));
  console.log(`build (image with the real binaries): ${seconds(buildMs)}`);
  const compose = (...args) => run(['docker', 'compose', '--file', join(dir, 'compose.yaml'), ...args], { cwd: dir });

  for (let round = 0; round < runs; round++) {
    const ways = round % 2 ? ['hand', 'nx'] : ['nx', 'hand'];
    for (const way of ways) {
      await checkpoint();
      let ms;
      if (way === 'nx') {
        ms = await timed(() => nx(ws, 'run', `${name}:up`));
      } else {
        ms = await timed(async () => {
          compose('up', '-d', name);
          const id = compose('ps', '-q', name).stdout.trim();
          if (!(await followUntil(['docker', 'logs', '--follow', '--tail', '300', id], SYSTEMD_UP, 180_000))) throw new Error('systemd did not come up');
          await runHoldingStdin(['docker', 'exec', '-i', id, 'sh', '-c', HEALTHZ_POLL, 'sh', 'http://127.0.0.1:10248/healthz', '180']);
        });
      }
      results[way].push(ms);
      if (way === 'nx') {
        // nx's container is under the compose project scoped to the folder: found by its service, not by `compose ps`.
        const id = run(['docker', 'ps', '--quiet', '--filter', `label=com.docker.compose.service=${name}`]).stdout.trim();
        installClampAndImages(id, index, pause);
        // Wait until the kubelet is healthy again after docker's restart, then place the manifest atomically.
        await runHoldingStdin(['docker', 'exec', '-i', id, 'sh', '-c', HEALTHZ_POLL, 'sh', 'http://127.0.0.1:10248/healthz', '60']);
        const podMs = await timed(async () => {
          sh(
            id,
            'cat > /etc/kubernetes/.httpd.yaml.tmp && mv /etc/kubernetes/.httpd.yaml.tmp /etc/kubernetes/manifests/httpd.yaml',
            manifest(index.workloadImage),
          );
          if (!(await podRunning(id, name, 120_000))) throw new Error('the pod did not reach Running in 120 s');
        });
        results.pod.push(podMs);
      }
      // Not measured: the container and volume under whichever compose project started them (by hand: the compose
      // file's name; nx: the name scoped to the folder), so that the next way does not find them running.
      removeNode(name, { images: false });
    }
  }
  const cached = await timed(() => run([join(root, 'tools/real-binaries/build.sh')], { env: process.env }));
  console.log('');
  table(
    ['step (median of rounds)', 'nx', 'by hand', 'rounds'],
    [
      ['up until /healthz answers', seconds(median(results.nx)), seconds(median(results.hand)), runs],
      ['manifest placed -> pod Running', seconds(median(results.pod)), '', runs],
    ],
  );
  console.log('');
  table(
    ['binary', 'cold build (from index)'],
    [
      ...index.kubelets.map((k) => [`kubelet ${k.version}`, k.buildSeconds == null ? '?' : `${k.buildSeconds} s`]),
      ...index.criDockerd.map((c) => [`cri-dockerd ${c.version}`, c.buildSeconds == null ? '?' : `${c.buildSeconds} s`]),
      ['pause + workload images (last run)', `${index.pauseSeconds} s + ${index.workloadSeconds} s`],
      ['build.sh re-run, all cached', seconds(cached)],
    ],
  );
  console.log(
    `\nrounds (ms): nx ${results.nx.map(Math.round).join(', ')}; by hand ${results.hand.map(Math.round).join(', ')}; pod ${results.pod.map(Math.round).join(', ')}`,
  );
}

/** Whatever ends the benchmark (its end, an error, Ctrl-C), unless --keep: the node, its volume and image, the workspace. */
function cleanup() {
  if (flag('--keep')) {
    console.log(`kept: workspace ${ws}, node ${name}`);
    return;
  }
  removeNodes([name]);
  if (ws) rmSync(ws, { recursive: true, force: true });
}

withCleanup(main, cleanup);
