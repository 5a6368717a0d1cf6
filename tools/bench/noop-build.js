#!/usr/bin/env node
// A build that changes nothing: `docker compose build` by hand beside `kubelet-node build` (the CLI) and
// `nx run <node>:build` (without and with the daemon), the ways taking turns round by round, printed as medians and
// ratios to by hand (the median of the per-round ratios, their range in parentheses). Asserts nothing. Needs the
// engine, the kicbase stand-in (tools/docker-engine/start.sh, tools/images/build-stand-ins.sh) and a built plugin.
//   node tools/bench/noop-build.js [--runs 5]
//
// Where nx's time goes: beside the build, the same node has a target whose executor does nothing (nx's own floor
// for a task: start-up, project graph, the forked process the executor runs in), and the build runs also with
// --skip-sync (without the sync check before the task; Nx also skips it when CI is set) and with
// NX_ISOLATE_PLUGINS=false (the plugins in nx's own process instead of one worker process each).
//
// The node: binarySource=local with the stand-in binaries, in a temporary workspace where nx-kubelet is installed as
// a package (as `nx add` gives it), built once first.
// By hand runs what the up-to-date check replaces: `docker compose -p <its project> build <svc>`, with the image's
// label given the same way the build gives it (a compose override file with build.labels), so that by hand leaves
// the image exactly as it was (without the label, its no-op build would make a new image with no label).
const { spawnSync } = require('node:child_process');
const { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { arg, installedWorkspace, median, nodeBinaries, pairedRatio, rotate, run, seconds, table, timed } = require('./lib');

const root = join(__dirname, '..', '..');
const runs = arg('--runs', 5);
const name = `bench-noop-${process.pid.toString(36)}`;
const kicbaseImage = 'nx-kubelet/kicbase-stand-in:v0.0.47';
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const baseEnv = { ...process.env, NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false', FORCE_COLOR: '0', NO_COLOR: '1' };
const LABEL = 'kubelet-node.image-inputs';

const dir = installedWorkspace('nx-kubelet-noop-build-');
const nodeDir = join(dir, 'packages', name);
const overrideDir = mkdtempSync(join(tmpdir(), 'nx-kubelet-noop-override-'));
const cli = join(dir, 'node_modules', 'kubelet-node', 'dist', 'cli.js');
const nx = (daemon, args, env = {}) => run([process.execPath, nxBin, ...args], { cwd: dir, env: { ...baseEnv, NX_DAEMON: daemon ? 'true' : 'false', ...env } });
const inspect = (image, format) => run(['docker', 'image', 'inspect', '--format', format, image]).stdout.trim();

try {
  run(['docker', 'image', 'inspect', kicbaseImage]);
  nx(false, ['g', 'nx-kubelet:kubelet-node', name, '--binarySource=local', `--kicbaseImage=${kicbaseImage}`, '--no-interactive']);
  nodeBinaries.standIn().install(nodeDir);
  // nx's floor: a target whose executor does nothing (tools/bench/trivial-executor), on the same project.
  cpSync(join(__dirname, 'trivial-executor'), join(dir, 'node_modules', 'nx-kubelet-bench-trivial-executor'), { recursive: true });
  const projectJson = join(nodeDir, 'project.json');
  const nodeProject = JSON.parse(readFileSync(projectJson, 'utf8'));
  nodeProject.targets = { ...nodeProject.targets, noop: { executor: 'nx-kubelet-bench-trivial-executor:noop' } };
  writeFileSync(projectJson, JSON.stringify(nodeProject, null, 2));
  const first = run([process.execPath, cli, 'build', nodeDir]).output;
  const image = /naming to docker\.io\/library\/(\S+)/.exec(first)?.[1];
  if (!image) throw new Error(`the first build named no image:\n${first}`);
  const project = inspect(image, '{{ index .Config.Labels "com.docker.compose.project" }}');
  const override = join(overrideDir, 'override.yaml');
  const labels = { [LABEL]: inspect(image, `{{ index .Config.Labels "${LABEL}" }}`) };
  writeFileSync(override, JSON.stringify({ services: { [name]: { build: { labels } } } }));
  const id = inspect(image, '{{.Id}}');
  nx(true, ['show', 'projects']); // starts the daemon

  const ways = {
    'docker compose build (by hand)': () =>
      run(['docker', 'compose', '-f', 'compose.yaml', '-f', override, '-p', project, 'build', name], { cwd: nodeDir }).output,
    'kubelet-node build (CLI)': () => run([process.execPath, cli, 'build', nodeDir]).output,
    'nx run build, no daemon': () => nx(false, ['run', `${name}:build`]).output,
    'nx run build, no daemon, --skip-sync': () => nx(false, ['run', `${name}:build`, '--skip-sync']).output,
    'nx run build, no daemon, NX_ISOLATE_PLUGINS=false': () => nx(false, ['run', `${name}:build`], { NX_ISOLATE_PLUGINS: 'false' }).output,
    'nx run noop (does nothing), no daemon': () => nx(false, ['run', `${name}:noop`]).output,
    'nx run build, daemon': () => nx(true, ['run', `${name}:build`]).output,
    'nx run noop (does nothing), daemon': () => nx(true, ['run', `${name}:noop`]).output,
  };
  const samples = Object.fromEntries(Object.keys(ways).map((way) => [way, []]));
  for (let round = 0; round < runs; round++) {
    for (const way of rotate(Object.keys(ways), round)) {
      const { ms, result } = timed(ways[way]);
      if (!way.includes('by hand') && !way.includes('noop') && !result.includes('is up to date')) throw new Error(`${way} did not skip:\n${result}`);
      samples[way].push(ms);
    }
    if (inspect(image, '{{.Id}}') !== id) throw new Error('the image changed during the benchmark');
  }
  const byHand = samples['docker compose build (by hand)'];
  console.log(`a no-op build, median of ${runs} rounds (binarySource=local with the stand-in binaries, base ${kicbaseImage})`);
  table(
    ['way', 'time', 'ratio to by hand'],
    Object.entries(samples).map(([way, values]) => [way, seconds(median(values)), way.includes('by hand') ? '1.00' : pairedRatio(values, byHand)]),
  );
} finally {
  try {
    nx(true, ['daemon', '--stop']);
  } catch {
    // no daemon to stop
  }
  const images = run(['docker', 'image', 'ls', '--quiet', `nx-kubelet-${name}`])
    .stdout.split('\n')
    .filter(Boolean);
  if (images.length) spawnSync('docker', ['image', 'rm', '--force', ...images], { stdio: 'ignore' });
  rmSync(overrideDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}
