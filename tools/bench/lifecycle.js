#!/usr/bin/env node
// Benchmark of a node's lifecycle through nx-kubelet's executors beside the same steps done by hand with plain docker
// commands; prints numbers (medians) and nx/manual ratios, asserts nothing. Needs the engine and the stand-in images
// (tools/docker-engine/start.sh, tools/images/build-stand-ins.sh) and a built plugin (npm run build).
//   node tools/bench/lifecycle.js [--runs 3]
// Steps: cold build (--no-cache), rebuild after editing kubelet.yaml, up until the kubelet is healthy, down --volumes.
// The node uses binarySource=local with the stand-in binaries, as the tests do.
const { spawnSync } = require('node:child_process');
const { appendFileSync, copyFileSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const root = join(__dirname, '..', '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const name = `bench-${process.pid.toString(36)}`;
const nodeDir = join(root, 'packages', name);
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' };

function run(argv, cwd = root) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return `${result.stdout}${result.stderr}`;
}
const nx = (...args) => run([process.execPath, nxBin, ...args]);
const compose = (...args) => run(['docker', 'compose', ...args], nodeDir);
const timed = (fn) => {
  const start = performance.now();
  const output = fn();
  return { ms: performance.now() - start, output };
};
const editKubeletYaml = () => appendFileSync(join(nodeDir, 'kubelet.yaml'), `# bench edit ${Date.now()}\n`);

function waitHealthyByHand() {
  for (;;) {
    const probe = spawnSync('docker', ['compose', 'exec', '-T', name, 'curl', '-fsS', 'http://127.0.0.1:10248/healthz'], { cwd: nodeDir, encoding: 'utf8' });
    if (probe.status === 0) return;
    spawnSync('sleep', ['1']);
  }
}

const steps = {
  'cold build': { nx: () => nx('run', `${name}:build`, '--noCache'), manual: () => compose('build', '--no-cache', name) },
  'rebuild after kubelet.yaml edit': {
    nx: () => (editKubeletYaml(), nx('run', `${name}:build`)),
    manual: () => (editKubeletYaml(), compose('build', name)),
  },
  'up until healthy': { nx: () => nx('run', `${name}:up`), manual: () => (compose('up', '-d', name), waitHealthyByHand()) },
  down: { nx: () => nx('run', `${name}:down`, '--volumes'), manual: () => compose('down', '--volumes') },
};

try {
  nx('g', 'nx-kubelet:kubelet-node', name, '--binarySource=local', '--no-interactive');
  // nx's own cost per `nx run`, for reference: a target that does nothing.
  const projectJson = join(nodeDir, 'project.json');
  const project = JSON.parse(readFileSync(projectJson, 'utf8'));
  project.targets.noop = { executor: 'nx:noop' };
  writeFileSync(projectJson, JSON.stringify(project, null, 2));
  for (const binary of ['kubelet', 'cri-dockerd']) copyFileSync(join(root, 'tools/images/stand-in-binaries', binary), join(nodeDir, 'bin', binary));
  const samples = Object.fromEntries(Object.keys(steps).map((step) => [step, { nx: [], manual: [] }]));
  let rebuildCached = true;
  for (let i = 0; i < runs; i++) {
    for (const way of ['nx', 'manual']) {
      for (const [step, fns] of Object.entries(steps)) {
        const { ms, output } = timed(fns[way]);
        samples[step][way].push(ms);
        // The rebuild must not re-run the binaries stage (no Go build, no download): BuildKit reports it CACHED.
        if (step.startsWith('rebuild') && typeof output === 'string' && !/binaries-local 2\/3\] COPY bin\/[^\n]*\n#\d+ CACHED/.test(output)) rebuildCached = false;
      }
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const noop = median(Array.from({ length: runs }, () => timed(() => nx('run', `${name}:noop`)).ms));
  console.log(`node lifecycle, median of ${runs} (binarySource=local, stand-in binaries)`);
  console.log('step'.padEnd(34) + 'nx-kubelet'.padStart(12) + 'by hand'.padStart(12) + 'ratio'.padStart(8));
  for (const [step, { nx: a, manual: b }] of Object.entries(samples)) {
    const [x, y] = [median(a), median(b)];
    console.log(step.padEnd(34) + `${(x / 1000).toFixed(2)} s`.padStart(12) + `${(y / 1000).toFixed(2)} s`.padStart(12) + (x / y).toFixed(2).padStart(8));
  }
  console.log(`nx run of a no-op target (nx's own start-up): ${(noop / 1000).toFixed(2)} s`);
  console.log(`rebuild after kubelet.yaml edit re-ran the binaries stage: ${rebuildCached ? 'no (CACHED)' : 'YES'}`);
} finally {
  spawnSync('docker', ['compose', 'down', '--volumes'], { cwd: nodeDir, stdio: 'ignore' });
  spawnSync('docker', ['image', 'rm', '--force', `nx-kubelet-${name}:v1.34.0`], { stdio: 'ignore' });
  rmSync(nodeDir, { recursive: true, force: true });
}
