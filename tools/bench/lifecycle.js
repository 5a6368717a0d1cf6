#!/usr/bin/env node
// A node's lifecycle through nx-kubelet's executors beside the same docker commands typed by hand, measured side by
// side in one run (the three ways take turns, each doing the whole lifecycle per round) and printed as medians and
// nx/by-hand ratios (the median of the per-round ratios, their range in parentheses). Asserts nothing. Needs the
// engine, the kicbase stand-in (tools/docker-engine/start.sh, tools/images/build-stand-ins.sh) and a built plugin
// (npm run build).
//   node tools/bench/lifecycle.js [--runs 3] [--keep]
//
// The node is generated with binarySource=local and the stand-in kubelet and cri-dockerd (as the executor tests), in
// a temporary workspace where nx-kubelet is installed as a package (what nx add gives), on the kicbase stand-in:
// nx-kubelet/kicbase-stand-in:v0.0.47 when that image exists, else gcr.io/k8s-minikube/kicbase:v0.0.47.
// Steps, and what "by hand" runs for each:
//   cold build   nx run <node>:build --noCache       docker compose build --no-cache <svc>
//   rebuild      kubelet.yaml edited, then :build     docker compose build <svc>
//   up           nx run <node>:up, which runs the     docker compose build <svc>, then what "up alone" runs
//                node's build first (dependsOn)
//   status       nx run <node>:status                 the executor's queries: compose ps -q, inspect (state, name),
//                                                     exec systemctl is-system-running / is-active, curl healthz, pods
//   down         nx run <node>:down --volumes         docker compose down --remove-orphans --timeout 10 --volumes
//   up alone     nx run <node>:up                     docker compose up -d --no-build <svc>; compose ps -q <svc>;
//                --excludeTaskDependencies            docker logs --follow until systemd's multi-user line; one
//                (the executor only, until healthy)   docker exec polling /healthz every 100 ms (the executor's poll)
// (after "up alone" the node is taken down again, unmeasured). Then, in each round, "up alone" once more with the
// up executor called in this process (no nx at all) beside by hand: how fast the executor's own wait is.
// nx runs once without the daemon (NX_DAEMON=false) and once with it (NX_DAEMON=true, started before the first
// round). nx's own start-up is measured apart, in the same rounds: `nx run <node>:trivial`, a target whose executor
// (tools/bench/trivial-executor) does nothing, so that nx minus by hand minus it is what nx-kubelet's executor adds
// (its preflight checks of docker and Compose, the summary up prints); and `nx run <node>:noop` (nx:noop, which nx
// runs without starting an executor process). A rebuild with --skip-sync in each round shows what the sync check that
// nx runs before build (the target's syncGenerators: nx-kubelet:sync) costs.
const { spawn, spawnSync } = require('node:child_process');
const { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { arg, checkpoint, flag, median, pairedRatio, removeNodes, rotate, run, seconds, table, withCleanup } = require('./lib');
const { removeNode } = require('../docker-engine/leftovers');

const root = join(__dirname, '..', '..');
const runs = arg('--runs', 3);
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const name = `bench-${process.pid.toString(36)}`;
const pluginPackageFiles = ['package.json', 'generators.json', 'executors.json', 'migrations.json', 'dist'];
const baseEnv = { ...process.env, NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false', FORCE_COLOR: '0', NO_COLOR: '1' };
const envs = { 'nx, no daemon': { ...baseEnv, NX_DAEMON: 'false' }, 'nx, daemon': { ...baseEnv, NX_DAEMON: 'true' } };
// The executor's own poll and systemd line, so that by hand waits exactly as the executor does.
const { HEALTHZ_POLL_SCRIPT, SYSTEMD_UP } = require('kubelet-node/node-probe');

const imageExists = (image) => spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
const kicbaseImage = ['nx-kubelet/kicbase-stand-in:v0.0.47', 'gcr.io/k8s-minikube/kicbase:v0.0.47'].find(imageExists);
if (!kicbaseImage) throw new Error('No kicbase stand-in image: run tools/images/build-stand-ins.sh.');

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-lifecycle-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'lifecycle-bench', version: '0.0.0', private: true }, null, 2));
  cpSync(join(root, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
  delete nxJson.useDaemonProcess; // NX_DAEMON decides
  nxJson.plugins = ['nx-kubelet'];
  writeFileSync(join(dir, 'nx.json'), JSON.stringify(nxJson, null, 2));
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules')))
    if (entry !== 'nx-kubelet') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  for (const path of pluginPackageFiles) cpSync(join(root, 'generators', path), join(dir, 'node_modules', 'nx-kubelet', path), { recursive: true });
  cpSync(join(__dirname, 'trivial-executor'), join(dir, 'node_modules', 'nx-kubelet-bench-trivial-executor'), { recursive: true });
  return dir;
}

/** Resolves once `regex` appears in the output of `argv` (then ends it), or when it exits; false on timeout. */
function followUntil(argv, regex, timeoutMs, cwd) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Runs argv with stdin held open as a pipe until it exits (the executor's `docker exec -i` of the poll). */
function runHoldingStdin(argv) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', () => undefined);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** Runs `fn` with this process's console output dropped (the executor's progress and summary). */
async function quietly(fn) {
  const saved = { info: console.info, error: console.error, log: console.log, out: process.stdout.write, err: process.stderr.write };
  console.info = console.error = console.log = () => undefined;
  process.stdout.write = process.stderr.write = () => true;
  try {
    const result = await fn();
    if (!result.success) throw new Error('the up executor failed');
    return result;
  } finally {
    Object.assign(console, { info: saved.info, error: saved.error, log: saved.log });
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
}

/** The temporary workspace, once made: the cleanup stops its nx daemon and removes it. */
let dir;

/**
 * Takes the node down between steps, not measured: its container and volume, under whichever compose project started
 * it (by hand: the compose file's name; the executors: the name scoped to the folder), so that no step finds a
 * container another way left running. The image stays for the next step.
 */
function takeDown() {
  removeNode(name, { images: false });
}

async function main() {
  dir = workspace();
  const nodeDir = join(dir, 'packages', name);
  const nx = (env, ...args) => run([process.execPath, nxBin, ...args], { cwd: dir, env });
  const docker = (...args) => run(['docker', ...args], { cwd: nodeDir }).stdout.trim();
  const compose = (...args) => docker('compose', ...args);
  const editKubeletYaml = () => appendFileSync(join(nodeDir, 'kubelet.yaml'), `# bench edit ${Date.now()}\n`);
  let id;
  const upByHand = async () => {
    compose('up', '--detach', '--no-build', name);
    id = compose('ps', '-q', name);
    if (!(await followUntil(['docker', 'logs', '--follow', '--tail', '300', id], SYSTEMD_UP, 180_000))) throw new Error('by hand: systemd did not come up');
    const poll = await runHoldingStdin(['docker', 'exec', '--interactive', id, 'sh', '-c', HEALTHZ_POLL_SCRIPT, 'sh', 'http://127.0.0.1:10248/healthz', '180']);
    if (poll.code !== 0) throw new Error(`by hand: the kubelet did not become healthy (${poll.code})`);
    return poll.stdout;
  };

  const byHand = {
    'cold build': () => compose('build', '--no-cache', name),
    rebuild: () => (editKubeletYaml(), compose('build', name)),
    up: async () => (compose('build', name), upByHand()),
    status: () => {
      id = compose('ps', '-q', name);
      docker('inspect', '--format', '{{.State.Status}}', id);
      docker('inspect', '--format', '{{.Name}}', id);
      docker('exec', id, 'systemctl', 'is-system-running');
      docker('exec', id, 'systemctl', 'is-active', 'docker.service', 'cri-docker.socket', 'cri-docker.service', 'kubelet.service');
      docker('exec', id, 'curl', '-fsS', '--max-time', '2', 'http://127.0.0.1:10248/healthz');
      return docker('exec', id, 'curl', '-fsS', '--max-time', '3', 'http://127.0.0.1:10255/pods');
    },
    down: () => compose('down', '--remove-orphans', '--timeout', '10', '--volumes'),
    'up alone': () => upByHand(),
  };
  const viaNx = (env) => ({
    'cold build': () => nx(env, 'run', `${name}:build`, '--noCache').output,
    rebuild: () => (editKubeletYaml(), nx(env, 'run', `${name}:build`).output),
    up: () => nx(env, 'run', `${name}:up`).output,
    status: () => nx(env, 'run', `${name}:status`).output,
    down: () => nx(env, 'run', `${name}:down`, '--volumes').output,
    'up alone': () => nx(env, 'run', `${name}:up`, '--excludeTaskDependencies').output,
  });
  const ways = { 'by hand': byHand, ...Object.fromEntries(Object.entries(envs).map(([label, env]) => [label, viaNx(env)])) };
  const steps = Object.keys(byHand);

  nx(envs['nx, no daemon'], 'g', 'nx-kubelet:kubelet-node', name, '--binarySource=local', `--kicbaseImage=${kicbaseImage}`, '--no-interactive');
  for (const binary of ['kubelet', 'cri-dockerd']) copyFileSync(join(root, 'tools/images/stand-in-binaries', binary), join(nodeDir, 'bin', binary));
  const projectJsonPath = join(nodeDir, 'project.json');
  const project = JSON.parse(readFileSync(projectJsonPath, 'utf8'));
  project.targets = { ...project.targets, noop: { executor: 'nx:noop' }, trivial: { executor: 'nx-kubelet-bench-trivial-executor:noop' } };
  writeFileSync(projectJsonPath, JSON.stringify(project, null, 2));
  if (!readFileSync(join(nodeDir, 'kubelet.yaml'), 'utf8').match(/readOnlyPort: 10255/))
    throw new Error('the benchmark expects readOnlyPort 10255 in kubelet.yaml');
  nx(envs['nx, daemon'], 'show', 'projects'); // starts the daemon

  const baselines = ['trivial', 'noop'];
  const direct = { 'by hand': [], 'executor in-process': [] };
  const upExecutor = require(join(dir, 'node_modules', 'nx-kubelet', 'dist', 'executors', 'up', 'executor.js')).default;
  const executorContext = { root: dir, projectName: name, projectsConfigurations: { projects: { [name]: { root: `packages/${name}` } } } };
  const samples = Object.fromEntries(
    Object.keys(ways).map((way) => [way, Object.fromEntries([...steps, ...baselines, 'rebuild --skip-sync'].map((step) => [step, []]))]),
  );
  let rebuildCached = true;
  for (let i = 0; i < runs; i++) {
    for (const way of rotate(Object.keys(ways), i)) {
      for (const step of steps) {
        await checkpoint();
        const start = performance.now();
        const output = await ways[way][step]();
        samples[way][step].push(performance.now() - start);
        // The rebuild must not re-run the binaries stage (no Go build, no download): BuildKit reports it CACHED.
        if (step === 'rebuild' && way !== 'by hand' && !/binaries-local 2\/3\] COPY bin\/[^\n]*\n#\d+ CACHED/.test(output)) rebuildCached = false;
      }
      takeDown(); // after 'up alone', not measured
      if (way !== 'by hand') {
        // The same rebuild without the nx-kubelet:sync check that nx runs before build (the target's syncGenerators).
        editKubeletYaml();
        const start = performance.now();
        nx(envs[way], 'run', `${name}:build`, '--skip-sync');
        samples[way]['rebuild --skip-sync'].push(performance.now() - start);
        for (const baseline of baselines) {
          const start = performance.now();
          nx(envs[way], 'run', `${name}:${baseline}`);
          samples[way][baseline].push(performance.now() - start);
        }
      }
    }
    // up alone once more, the executor called in this process (no nx at all) beside by hand: the wait itself.
    for (const way of i % 2 ? ['executor in-process', 'by hand'] : ['by hand', 'executor in-process']) {
      await checkpoint();
      const start = performance.now();
      if (way === 'by hand') await upByHand();
      else await quietly(() => upExecutor({}, executorContext));
      direct[way].push(performance.now() - start);
      takeDown();
    }
  }

  const m = (way, step) => median(samples[way][step]);
  const nxWays = Object.keys(envs);
  console.log(`node lifecycle, median of ${runs} rounds (binarySource=local with the stand-in binaries, base ${kicbaseImage})`);
  table(
    ['step', 'by hand', ...nxWays.flatMap((way) => [way, 'ratio'])],
    steps.map((step) => [
      step,
      seconds(m('by hand', step)),
      ...nxWays.flatMap((way) => [seconds(m(way, step)), pairedRatio(samples[way][step], samples['by hand'][step])]),
    ]),
  );
  console.log('');
  table(
    ["nx's own start-up (nx run of a target)", ...nxWays],
    [
      ['executor that does nothing', ...nxWays.map((way) => seconds(m(way, 'trivial')))],
      ['nx:noop (no executor process)', ...nxWays.map((way) => seconds(m(way, 'noop')))],
    ],
  );
  console.log('');
  table(
    ["what nx-kubelet's executor adds (nx - by hand - nx's start-up)", ...nxWays],
    steps.map((step) => [step, ...nxWays.map((way) => seconds(m(way, step) - m('by hand', step) - m(way, 'trivial')))]),
  );
  console.log(
    `of which, for build: nx's run of the nx-kubelet:sync check (rebuild - rebuild --skip-sync): ${nxWays.map((way) => `${way} ${seconds(m(way, 'rebuild') - m(way, 'rebuild --skip-sync'))}`).join(', ')}`,
  );
  console.log(
    `up alone without nx (the up executor called in-process, beside by hand): ${seconds(median(direct['executor in-process']))} vs ${seconds(median(direct['by hand']))}, ratio ${pairedRatio(direct['executor in-process'], direct['by hand'])}`,
  );
  console.log(`rebuild after the kubelet.yaml edit re-ran the binaries stage: ${rebuildCached ? 'no (CACHED)' : 'YES'}`);
}

/** Whatever ends the benchmark (its end, an error, Ctrl-C): the node's containers, volume and images, the daemon, the workspace. */
function cleanup() {
  removeNodes([name]);
  if (!dir) return;
  spawnSync(process.execPath, [nxBin, 'daemon', '--stop'], { cwd: dir, env: envs['nx, daemon'], stdio: 'ignore' });
  if (flag('--keep')) console.log(`kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

withCleanup(main, cleanup);
