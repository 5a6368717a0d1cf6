#!/usr/bin/env node
// Many nodes at once (issue 12); prints numbers and ratios, asserts nothing.
//   node tools/bench/fleet.js [--nodes 10] [--runs 1] [--parallel <nodes>] [--keep]
// Needs the engine, the kicbase stand-in (tools/images/build-stand-ins.sh), root (the second engine runs in a network
// namespace of its own: tools/docker-engine/second-engine.js) and a built plugin (npm run build).
//
//   one engine    N nodes (stand-in binaries) on the host's engine: `nx run-many -t up --parallel=N`, wall time until
//                 every kubelet is healthy (the command returns then); memory per node from `docker stats` afterwards
//   two engines   the same N nodes, half of them recorded on the second engine (--dockerHost)
// Images are built before the timed runs (the build target runs inside `up` too, from cache). Each run starts from
// stopped nodes with fresh /var volumes.
const { copyFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { arg, checkpoint, copyWorkspace, flag, median, memoryOf, removeNodes, run, seconds, table, withCleanup, STAND_IN, nxEnv } = require('./lib');
const { startSecondEngine } = require('../docker-engine/second-engine');
const { loadImages } = require('../docker-engine/lib');

const root = join(__dirname, '..', '..');
const count = arg('--nodes', 10);
const runs = arg('--runs', 1);
const parallel = arg('--parallel', count);
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const env = nxEnv({ CI: 'true' });
const tag = process.pid.toString(36);

const nx = (ws, ...args) => run([process.execPath, nxBin, ...args], { cwd: ws, env });

const sets = {
  'one engine': Array.from({ length: count }, (_, i) => ({ name: `f1-${tag}-${i}`, remote: false })),
  'two engines': Array.from({ length: count }, (_, i) => ({ name: `f2-${tag}-${i}`, remote: i % 2 === 1 })),
};
/** The second engine and the temporary workspace, once made. */
let engine;
let ws;

async function main() {
  engine = await startSecondEngine();
  ws = copyWorkspace('nx-kubelet-bench-fleet-');
  await loadImages(engine, [STAND_IN]);
  for (const nodes of Object.values(sets)) {
    for (const node of nodes) {
      nx(
        ws,
        'g',
        'nx-kubelet:kubelet-node',
        node.name,
        '--binarySource=local',
        `--kicbaseImage=${STAND_IN}`,
        ...(node.remote ? [`--dockerHost=${engine.host}`] : []),
      );
      for (const binary of ['kubelet', 'cri-dockerd'])
        copyFileSync(join(root, 'tools/images/stand-in-binaries', binary), join(ws, 'packages', node.name, 'bin', binary));
    }
    nx(ws, 'run-many', '-t', 'build', `--projects=${nodes.map((node) => node.name).join(',')}`, '--parallel=4');
  }
  const results = {};
  for (let round = 0; round < runs; round++) {
    for (const [label, nodes] of Object.entries(sets)) {
      await checkpoint();
      const projects = nodes.map((node) => node.name).join(',');
      const start = performance.now();
      nx(ws, 'run-many', '-t', 'up', `--projects=${projects}`, `--parallel=${parallel}`);
      const wall = performance.now() - start;
      const memory = [
        ...memoryOf(nodes.filter((node) => !node.remote).map((node) => node.name)),
        ...memoryOf(
          nodes.filter((node) => node.remote).map((node) => node.name),
          engine.docker(),
        ),
      ];
      (results[label] ??= { wall: [], memory: [] }).wall.push(wall);
      results[label].memory.push(...memory);
      nx(ws, 'run-many', '-t', 'down', `--projects=${projects}`, '--volumes', `--parallel=${parallel}`);
    }
  }
  const one = median(results['one engine'].wall);
  console.log(`\n${count} nodes (stand-in binaries), nx run-many -t up --parallel=${parallel}, until every kubelet is healthy; ${runs} run(s), medians`);
  table(
    ['', 'wall to all healthy', 'per node', 'memory per node', 'wall / one engine'],
    Object.entries(results).map(([label, { wall, memory }]) => [
      label,
      seconds(median(wall)),
      seconds(median(wall) / count),
      `${median(memory).toFixed(0)} MiB (${memory.length} measured)`,
      (median(wall) / one).toFixed(2),
    ]),
  );
}

/**
 * Whatever ends the benchmark (its end, an error, Ctrl-C): the second engine with everything on it (its data root
 * goes) and, unless --keep, every node's containers, volumes and images on the host's engine and the workspace.
 */
function cleanup() {
  const names = Object.values(sets)
    .flat()
    .map((node) => node.name);
  if (flag('--keep')) console.log(`kept: workspace ${ws}, the nodes on the host's engine ${names.join(', ')}`);
  else removeNodes(names);
  engine?.remove();
  if (ws && !flag('--keep')) rmSync(ws, { recursive: true, force: true });
}

withCleanup(main, cleanup);
