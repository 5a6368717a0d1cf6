#!/usr/bin/env node
// Project-graph cost of nx-kubelet nodes: wall time of `nx show projects` (daemon and graph cache off) in a workspace
// with N generated nodes, once with inferred targets (minimal project.json + the nx-kubelet plugin) and once with
// explicit project.json targets (plugin not registered). Prints medians and the ratio; asserts nothing.
//   node tools/bench/graph.js [--nodes 500] [--runs 3]        (needs npm run build)
// @nx/docker's inference is not measured beside them: only @nx/docker 23.x exists on this machine's registry, and
// @nx/* 23 packages must not be mixed into this Nx 24 workspace.
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const root = join(__dirname, '..', '..');
const arg = (name, fallback) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const nodes = arg('--nodes', 500);
const runs = arg('--runs', 3);
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_CACHE_PROJECT_GRAPH: 'false', FORCE_COLOR: '0' };

function workspace(explicit) {
  const dir = mkdtempSync(join(tmpdir(), `nx-kubelet-graph-${explicit ? 'explicit' : 'inferred'}-`));
  for (const path of ['package.json', 'tsconfig.base.json', 'generators/package.json', 'generators/generators.json', 'generators/executors.json', 'generators/migrations.json', 'generators/dist']) {
    cpSync(join(root, path), join(dir, path), { recursive: true });
  }
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
  if (explicit) delete nxJson.plugins;
  writeFileSync(join(dir, 'nx.json'), JSON.stringify(nxJson, null, 2));
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules'))) if (entry !== 'nx-kubelet') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  symlinkSync(join(dir, 'generators'), join(dir, 'node_modules', 'nx-kubelet'));
  // One real node from the generator, then copies of it under other names (what nx g would write, minus its cost).
  const args = ['g', 'nx-kubelet:kubelet-node', 'node-0', '--no-interactive', ...(explicit ? ['--explicitTargets'] : [])];
  const result = spawnSync(process.execPath, [nxBin, ...args], { cwd: dir, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stdout + result.stderr);
  const template = join(dir, 'packages', 'node-0');
  const projectJson = readFileSync(join(template, 'project.json'), 'utf8');
  for (let i = 1; i < nodes; i++) {
    const target = join(dir, 'packages', `node-${i}`);
    cpSync(template, target, { recursive: true });
    writeFileSync(join(target, 'project.json'), projectJson.replace(/node-0/g, `node-${i}`));
  }
  return dir;
}

function time(dir) {
  const samples = [];
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, [nxBin, 'show', 'projects'], { cwd: dir, env, encoding: 'utf8' });
    samples.push(performance.now() - start);
    if (result.status !== 0) throw new Error(result.stdout + result.stderr);
    count = result.stdout.split('\n').filter((line) => line.startsWith('node-')).length;
  }
  return { ms: samples.sort((a, b) => a - b)[Math.floor(runs / 2)], count };
}

const dirs = [];
try {
  const inferredDir = workspace(false);
  dirs.push(inferredDir);
  const explicitDir = workspace(true);
  dirs.push(explicitDir);
  const inferred = time(inferredDir);
  const explicit = time(explicitDir);
  console.log(`nx show projects, ${nodes} nodes, median of ${runs} (daemon and graph cache off)`);
  console.log(`  inferred targets (plugin):   ${(inferred.ms / 1000).toFixed(2)} s  (${inferred.count} nodes listed)`);
  console.log(`  explicit project.json:       ${(explicit.ms / 1000).toFixed(2)} s  (${explicit.count} nodes listed)`);
  console.log(`  ratio inferred/explicit:     ${(inferred.ms / explicit.ms).toFixed(2)}`);
  console.log('  @nx/docker inference:        not measured (only @nx/docker 23.x is available; it must not be mixed into Nx 24)');
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
