#!/usr/bin/env node
// The kubelet-node CLI's start-up: bare `node -e ''`, `kubelet-node --help`, `kubelet-node status` of a node that has no
// container, and the docker command that answers the same by hand (`docker ps` for the node's compose project), taking
// turns round by round. `--compare <bin>` adds another build's CLI (e.g. a copy of the repository before a change) to
// the same rounds. Needs a running engine for status and docker ps; asserts nothing.
// node tools/bench/cli-startup.js [--runs 20] [--compare /tmp/before/packages/kubelet-node/bin/kubelet-node.js]
const { spawnSync } = require('node:child_process');
const { cpSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { arg, median, pairedRatio, rotate, table } = require('./lib');

const root = join(__dirname, '..', '..');
const runs = arg('--runs', 20);
const compare = arg('--compare', undefined);
const cli = join(root, 'packages/kubelet-node/bin/kubelet-node.js');

// A node that has no container: a copy of the example node in a folder of its own (no compose project works there).
const workspace = mkdtempSync(join(tmpdir(), 'bench-cli-startup-'));
const node = join(workspace, 'edge');
cpSync(join(root, 'packages/example-node'), node, { recursive: true });

/** Each variant: its label, its argv and the exit code it ends with. */
const variants = [
  ["node -e ''", [process.execPath, '-e', ''], 0],
  ['kubelet-node --help', [process.execPath, cli, '--help'], 0],
  ['kubelet-node status <node> (no container)', [process.execPath, cli, 'status', node], 1],
  ['docker ps for its project (by hand)', ['docker', 'ps', '--all', '--filter', 'label=com.docker.compose.project=edge'], 0],
];
if (compare) {
  variants.push(['--compare: kubelet-node --help', [process.execPath, compare, '--help'], 0]);
  variants.push(['--compare: kubelet-node status <node>', [process.execPath, compare, 'status', node], 1]);
}

function once([label, argv, expected]) {
  const start = performance.now();
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (result.status !== expected) throw new Error(`${label}: exit ${result.status}, not ${expected}:\n${result.stdout}${result.stderr}`);
  return ms;
}

try {
  for (const variant of variants) once(variant); // warm-up: the file cache, docker's first connection
  const times = variants.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (const index of rotate(
      variants.map((_, i) => i),
      round,
    ))
      times[index].push(once(variants[index]));
  }
  const bare = times[0];
  const byHand = times[3];
  console.log(`median of ${runs} rounds, ratios are medians of the per-round ratios (range)`);
  table(
    ['command', 'median', "÷ node -e ''", '÷ docker ps'],
    variants.map(([label], index) => [label, `${median(times[index]).toFixed(0)} ms`, pairedRatio(times[index], bare), pairedRatio(times[index], byHand)]),
  );
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
