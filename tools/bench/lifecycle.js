#!/usr/bin/env node
// The daily loop of a node four ways side by side: by hand (the docker and compose commands a user would type), the
// `kubelet-node` CLI, and `nx run` without and with the daemon. Printed as one table: per step, the medians of the
// rounds and the ratios to by hand (the median of the per-round ratios, their range in parentheses). Asserts nothing.
// Needs the engine, the kicbase stand-in (tools/images/build-stand-ins.sh) and a built plugin (npm run build).
//   node tools/bench/lifecycle.js [--runs 3] [--real] [--kube v1.34.4] [--cri v0.4.3] [--keep]
// --real: the real kubelet and cri-dockerd of tools/real-binaries/build.sh (lib.js nodeBinaries.real), else the
// stand-ins. Each way has a node of its own (binarySource=local, no example pod, the kicbase stand-in) in one temporary
// workspace where nx-kubelet is installed as a package (what nx add gives): by hand's `docker compose build` makes an
// image without the label that the up-to-date check of the CLI and nx reads (kubelet-node.image-inputs), so a way
// sharing a node with by hand would find its image changed; with its own node each way finds what it left itself.
// In each round every way does all the steps in turn, the ways taking turns to go first:
//   step          by hand                                        CLI (kubelet-node <op> <dir>) / nx run <node>:<op>
//   cold build    docker compose build --no-cache <svc>           build --noCache
//   no-op build   docker compose build <svc> (all CACHED)         build (the image is up to date: skipped)
//   rebuild       kubelet.yaml edited, docker compose build <svc> kubelet.yaml edited, build
//   up            docker compose up -d <svc>; docker logs         up (its own up-to-date check: no build work)
//                 --follow until systemd's multi-user line; one
//                 docker exec polling /healthz every 100 ms
//                 (the up operation's own poll)
//   status        docker compose ps                               status --brief
//   down          docker compose down --volumes                   down --volumes
// nx with the daemon: NX_DAEMON=true, the daemon started and warmed (nx show projects) before the first round;
// without: NX_DAEMON=false.
const { spawn, spawnSync } = require('node:child_process');
const { appendFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const {
  arg,
  checkpoint,
  flag,
  installedWorkspace,
  median,
  nodeBinaries,
  pairedRatio,
  removeNodes,
  rotate,
  run,
  seconds,
  table,
  withCleanup,
} = require('./lib');

const root = join(__dirname, '..', '..');
const runs = arg('--runs', 3);
const real = flag('--real');
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const base = `bench-${process.pid.toString(36)}`;
const baseEnv = { ...process.env, NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false', FORCE_COLOR: '0', NO_COLOR: '1' };
const daemonEnv = (on) => ({ ...baseEnv, NX_DAEMON: on ? 'true' : 'false' });
// The up operation's own poll and systemd line, so that by hand waits exactly as the CLI and nx do.
const { HEALTHZ_POLL_SCRIPT, SYSTEMD_UP } = require('kubelet-node/node-probe');

const WAYS = ['by hand', 'CLI', 'nx (no daemon)', 'nx (daemon)'];
/** Each way's node: its own name, so its own folder, image, container and volume. */
const nodeName = Object.fromEntries(WAYS.map((way, i) => [way, `${base}-${['hand', 'cli', 'nx', 'nxd'][i]}`]));

const imageExists = (image) => spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
const kicbaseImage = ['nx-kubelet/kicbase-stand-in:v0.0.47', 'gcr.io/k8s-minikube/kicbase:v0.0.47'].find(imageExists);
if (!kicbaseImage) throw new Error('No kicbase stand-in image: run tools/images/build-stand-ins.sh.');
if (real && !nodeBinaries.realAvailable()) throw new Error('--real: no real binaries yet (tools/real-binaries/build.sh writes their index.json).');
const binaries = real ? nodeBinaries.real({ kube: arg('--kube', ''), cri: arg('--cri', '') }) : nodeBinaries.standIn();

/** Resolves once `regex` appears in the output of `argv` (then ends it), or when it exits; false on timeout. */
function followUntil(argv, regex, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let recent = '';
    let found = false;
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    const onData = (chunk) => {
      recent = (recent + chunk).slice(-4096);
      if (!found && regex.test(recent)) {
        found = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(found);
    });
  });
}

/** Runs argv with stdin held open as a pipe until it exits (the poll script ends when its stdin closes). */
function runHoldingStdin(argv) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', () => undefined);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** The temporary workspace, once made: the cleanup stops its nx daemon and removes it. */
let dir;

async function main() {
  dir = installedWorkspace('nx-kubelet-lifecycle-');
  const nx = (daemon, ...args) => run([process.execPath, nxBin, ...args], { cwd: dir, env: daemonEnv(daemon) }).output;
  const cli = join(dir, 'node_modules', 'kubelet-node', 'dist', 'cli.js');
  const nodeDir = (way) => join(dir, 'packages', nodeName[way]);
  const editKubeletYaml = (way) => appendFileSync(join(nodeDir(way), 'kubelet.yaml'), `# bench edit ${Date.now()}\n`);

  const hand = nodeName['by hand'];
  const handDir = nodeDir('by hand');
  const compose = (...args) => run(['docker', 'compose', ...args], { cwd: handDir }).output;
  const byHand = {
    'cold build': () => compose('build', '--no-cache', hand),
    'no-op build': () => compose('build', hand),
    rebuild: () => (editKubeletYaml('by hand'), compose('build', hand)),
    up: async () => {
      compose('up', '--detach', hand);
      const id = run(['docker', 'compose', 'ps', '--quiet', hand], { cwd: handDir }).stdout.trim();
      if (!(await followUntil(['docker', 'logs', '--follow', '--tail', '300', id], SYSTEMD_UP, 180_000))) throw new Error('by hand: systemd did not come up');
      const poll = await runHoldingStdin([
        'docker',
        'exec',
        '--interactive',
        id,
        'sh',
        '-c',
        HEALTHZ_POLL_SCRIPT,
        'sh',
        'http://127.0.0.1:10248/healthz',
        '180',
      ]);
      if (poll.code !== 0) throw new Error(`by hand: the kubelet did not become healthy (${poll.code})`);
      return poll.stdout;
    },
    status: () => compose('ps'),
    down: () => compose('down', '--volumes'),
  };
  const viaCli = (...args) => run([process.execPath, cli, ...args]).output;
  const cliDir = nodeDir('CLI');
  const byCli = {
    'cold build': () => viaCli('build', cliDir, '--noCache'),
    'no-op build': () => viaCli('build', cliDir),
    rebuild: () => (editKubeletYaml('CLI'), viaCli('build', cliDir)),
    up: () => viaCli('up', cliDir),
    status: () => viaCli('status', cliDir, '--brief'),
    down: () => viaCli('down', cliDir, '--volumes'),
  };
  const viaNx = (way, daemon) => {
    const target = (op) => `${nodeName[way]}:${op}`;
    return {
      'cold build': () => nx(daemon, 'run', target('build'), '--noCache'),
      'no-op build': () => nx(daemon, 'run', target('build')),
      rebuild: () => (editKubeletYaml(way), nx(daemon, 'run', target('build'))),
      up: () => nx(daemon, 'run', target('up')),
      status: () => nx(daemon, 'run', target('status'), '--brief'),
      down: () => nx(daemon, 'run', target('down'), '--volumes'),
    };
  };
  const ways = { 'by hand': byHand, CLI: byCli, 'nx (no daemon)': viaNx('nx (no daemon)', false), 'nx (daemon)': viaNx('nx (daemon)', true) };
  const steps = Object.keys(byHand);

  for (const way of WAYS) {
    nx(
      false,
      'g',
      'nx-kubelet:kubelet-node',
      nodeName[way],
      '--binarySource=local',
      `--kicbaseImage=${kicbaseImage}`,
      '--examplePod=false',
      ...binaries.generatorArgs,
    );
    binaries.install(nodeDir(way));
  }
  // Every node built once, so that no way's first no-op build is its first build (cold build rebuilds anyway).
  compose('build', hand);
  for (const way of WAYS.slice(1)) viaCli('build', nodeDir(way));
  nx(true, 'show', 'projects'); // starts and warms the daemon

  const samples = Object.fromEntries(WAYS.map((way) => [way, Object.fromEntries(steps.map((step) => [step, []]))]));
  const notSkipped = new Set();
  for (let round = 0; round < runs; round++) {
    for (const way of rotate(WAYS, round)) {
      for (const step of steps) {
        await checkpoint();
        const start = performance.now();
        const output = await ways[way][step]();
        samples[way][step].push(performance.now() - start);
        if (step === 'no-op build' && way !== 'by hand' && !output.includes('is up to date')) notSkipped.add(way);
      }
    }
  }

  const m = (way, step) => seconds(median(samples[way][step]));
  const ratioTo = (way, step) => pairedRatio(samples[way][step], samples['by hand'][step]);
  console.log(`node lifecycle, median of ${runs} rounds (binarySource=local with ${binaries.label}, base ${kicbaseImage})`);
  table(
    ['step', ...WAYS, 'CLI/hand', 'nx/hand', 'nx-daemon/hand'],
    steps.map((step) => [step, ...WAYS.map((way) => m(way, step)), ...WAYS.slice(1).map((way) => ratioTo(way, step))]),
  );
  if (notSkipped.size) console.log(`no-op build did NOT skip (no "is up to date") for: ${[...notSkipped].join(', ')}`);
}

/** Whatever ends the benchmark (its end, an error, Ctrl-C): the nodes' containers, volumes and images, the daemon, the workspace. */
function cleanup() {
  removeNodes(Object.values(nodeName));
  if (!dir) return;
  spawnSync(process.execPath, [nxBin, 'daemon', '--stop'], { cwd: dir, env: daemonEnv(true), stdio: 'ignore' });
  if (flag('--keep')) console.log(`kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

withCleanup(main, cleanup);
