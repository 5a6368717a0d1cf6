#!/usr/bin/env node
// Benchmarks of the kubelet-node generator; prints numbers, asserts nothing. Run after `npm run build`:
//   node tools/bench/run.js [--runs 5]
// 1. In-process: the generator on a virtual tree, for 1 node and for 100 nodes in one tree.
// 2. CLI: wall time of `nx g nx-kubelet:kubelet-node --dry-run` beside `nx g` of a trivial generator
//    (tools/bench/trivial) in the same workspace; their ratio is the plugin's own cost.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const root = join(__dirname, '..', '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(1)} ms`;

async function inProcess() {
  const { createTreeWithEmptyWorkspace } = require('@nx/devkit/testing');
  const { kubeletNodeGenerator } = require(join(root, 'generators', 'dist', 'generators', 'kubelet-node', 'generator.js'));
  const timeNodes = async (count) => {
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    const start = performance.now();
    for (let i = 0; i < count; i++) await kubeletNodeGenerator(tree, { name: `node-${i}`, skipFormat: true });
    return performance.now() - start;
  };
  await timeNodes(1); // warm-up: module loading and template reading happen once per process
  const one = [],
    hundred = [];
  for (let i = 0; i < runs; i++) {
    one.push(await timeNodes(1));
    hundred.push(await timeNodes(100));
  }
  console.log(`in-process, 1 node:           ${ms(median(one))} (median of ${runs})`);
  console.log(`in-process, 100 nodes:        ${ms(median(hundred))} (${ms(median(hundred) / 100)} per node)`);
  // 1.0 when the cost per node does not grow with the nodes already in the tree (no re-reading of the workspace).
  console.log(`per-node cost, 100 nodes / 1 node: ${(median(hundred) / 100 / median(one)).toFixed(2)}`);
}

function cli() {
  const nx = require.resolve('nx/bin/nx', { paths: [root] });
  const time = (args) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, [nx, 'g', ...args, '--dry-run', '--no-interactive'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    });
    if (result.status !== 0) throw new Error(`nx g ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    return performance.now() - start;
  };
  const plugin = [],
    trivial = [];
  for (let i = 0; i < runs; i++) {
    trivial.push(time(['./tools/bench/trivial/generators.json:noop', 'bench-node']));
    plugin.push(time(['nx-kubelet:kubelet-node', 'bench-node']));
  }
  const [p, t] = [median(plugin), median(trivial)];
  console.log(`CLI, nx g kubelet-node:       ${ms(p)} (median of ${runs})`);
  console.log(`CLI, nx g trivial generator:  ${ms(t)}`);
  console.log(`CLI ratio kubelet-node/trivial: ${(p / t).toFixed(2)} (plugin's own cost: ${ms(p - t)})`);
}

inProcess()
  .then(cli)
  .catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
