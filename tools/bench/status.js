#!/usr/bin/env node
// `kubelet-node status` of a running node beside what a user types by hand for it, taking turns round by round: `docker
// compose ps` (with the compose project status names; it says only whether the container runs), and the same answers
// as status by hand (`docker compose ps`, then one `docker exec` of curl asking the kubelet's /healthz and /pods), and
// the floor of any Node CLI that asks the node (`node -e ''`, then `docker exec <container> true`); `--compare <bin>` adds another build's CLI (e.g. a copy
// of the repository before a change) to the same rounds. The node: a copy of the example node with the stand-in
// kubelet and cri-dockerd (binarySource=local) on the kicbase stand-in, started once with `kubelet-node up`, removed at
// the end (withCleanup). Needs the engine and tools/images/build-stand-ins.sh; asserts nothing.
//   node tools/bench/status.js [--runs 15] [--compare /tmp/before/packages/kubelet-node/bin/kubelet-node.js] [--keep]
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { arg, checkpoint, flag, median, nodeBinaries, pairedRatio, removeNodes, rotate, table, withCleanup } = require('./lib');

const root = join(__dirname, '..', '..');
const runs = arg('--runs', 15);
const compare = arg('--compare', undefined);
const cli = join(root, 'packages/kubelet-node/bin/kubelet-node.js');
const KICBASE = 'nx-kubelet/kicbase-stand-in:v0.0.47';
const name = `bench-status-${process.pid.toString(36)}`;
let workspace;

/** Runs a variant's commands one after the other (each an argv, or [argv, expected exit code]); the time of all. */
function once([label, steps, expected], cwd) {
  const start = performance.now();
  for (const argv of Array.isArray(steps[0]) ? steps : [steps]) {
    const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', cwd });
    if (result.status !== expected) throw new Error(`${label}: exit ${result.status}, not ${expected}:\n${result.stdout}${result.stderr}`);
  }
  return performance.now() - start;
}

async function main() {
  if (spawnSync('docker', ['image', 'inspect', KICBASE], { stdio: 'ignore' }).status !== 0)
    throw new Error(`No ${KICBASE}: run tools/images/build-stand-ins.sh.`);
  workspace = mkdtempSync(join(tmpdir(), 'bench-status-'));
  const node = join(workspace, name);
  cpSync(join(root, 'packages/example-node'), node, { recursive: true });
  // What `nx g … --binarySource=local --kicbaseImage=<stand-in>` writes, in the copy's compose file.
  const composePath = join(node, 'compose.yaml');
  const compose = readFileSync(composePath, 'utf8')
    .replace(/^name: .*$/m, `name: ${name}`)
    .replace(/BINARY_SOURCE: source.*$/m, `BINARY_SOURCE: local\n        KICBASE_IMAGE: ${KICBASE}`)
    .replace(/image: nx-kubelet-example-node:/, `image: nx-kubelet-${name}:`);
  writeFileSync(composePath, compose);
  mkdirSync(join(node, 'bin'));
  nodeBinaries.standIn().install(node);
  const up = spawnSync(process.execPath, [cli, 'up', node], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`up failed:\n${up.stdout}${up.stderr}`);
  const shown = spawnSync(process.execPath, [cli, 'status', node], { encoding: 'utf8' });
  const project = /compose project (\S+)/.exec(shown.stdout)?.[1];
  const container = /container +(\S+) \(/.exec(shown.stdout)?.[1];
  if (!project || !container) throw new Error(`status names no compose project or container:\n${shown.stdout}${shown.stderr}`);
  const composePs = ['docker', 'compose', '--project-name', project, 'ps'];
  // The kubelet's endpoints as the example node's kubelet.yaml has them (healthzPort, readOnlyPort).
  const ask = ['docker', 'exec', container, 'curl', '-fsS', 'http://127.0.0.1:10248/healthz', '--next', '-fsS', 'http://127.0.0.1:10255/pods'];

  /** Each variant: its label, its argv and the exit code it ends with (a healthy node: 0). */
  const variants = [
    ['docker compose ps (by hand)', composePs, 0],
    ['by hand, the same answers: compose ps + docker exec curl /healthz /pods', [composePs, ask], 0],
    [
      "floor of a Node CLI: node -e '' + docker exec true",
      [
        [process.execPath, '-e', ''],
        ['docker', 'exec', container, 'true'],
      ],
      0,
    ],
    ['kubelet-node status --brief', [process.execPath, cli, 'status', node, '--brief'], 0],
    ['kubelet-node status', [process.execPath, cli, 'status', node], 0],
  ];
  if (compare) {
    variants.push(['--compare: kubelet-node status --brief', [process.execPath, compare, 'status', node, '--brief'], 0]);
    variants.push(['--compare: kubelet-node status', [process.execPath, compare, 'status', node], 0]);
  }
  for (const variant of variants) once(variant, node); // warm-up: the file cache, docker's first connection
  const times = variants.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (const index of rotate(
      variants.map((_, i) => i),
      round,
    )) {
      await checkpoint();
      times[index].push(once(variants[index], node));
    }
  }
  console.log(`status of a running node (stand-ins), median of ${runs} rounds, ratios are medians of the per-round ratios (range)`);
  table(
    ['command', 'median', '÷ docker compose ps', '÷ the same answers by hand'],
    variants.map(([label], index) => [
      label,
      `${median(times[index]).toFixed(0)} ms`,
      pairedRatio(times[index], times[0]),
      pairedRatio(times[index], times[1]),
    ]),
  );
}

function cleanup() {
  removeNodes([name]);
  if (!workspace) return;
  if (flag('--keep')) console.log(`kept: ${workspace}`);
  else rmSync(workspace, { recursive: true, force: true });
}

withCleanup(main, cleanup);
