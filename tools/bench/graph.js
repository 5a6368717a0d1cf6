#!/usr/bin/env node
// Project-graph cost of nx-kubelet's inferred targets: wall time of `nx show projects` and `nx graph --file` (no
// daemon) in workspaces of N generated nodes that differ only in where the targets come from, measured side by side
// in one run (the variants take turns within each round) and printed as medians with the ratio to explicit targets
// (the median of the per-round ratios, their range in parentheses), and as the best of the runs with the ratio of
// the bests (on a shared machine the least disturbed run).
// Asserts nothing. Needs a built plugin (npm run build).
//   node tools/bench/graph.js [--nodes 500] [--runs 5] [--commands show,graph] [--keep]
//
// Variants (each a workspace of its own, identical apart from nx.json and node_modules/nx-kubelet):
//   explicit             targets written into each project.json (--explicitTargets), nx-kubelet not registered
//   explicit + empty     the same plus tools/bench/empty-plugin registered: a plugin with nx-kubelet's glob that
//                        infers nothing. Its extra time is nx's fixed price of one more plugin (a worker process).
//   inferred             minimal project.json, nx-kubelet registered and installed as a package (what nx add gives)
//   inferred, local      the same, but nx-kubelet is a workspace package (node_modules/nx-kubelet -> generators/,
//                        this repository's own layout). nx resolves such a plugin from the workspace's projects,
//                        which it first computes with its default plugins alone: a second round of plugin workers.
// Cache modes:
//   cold   NX_CACHE_PROJECT_GRAPH=false: nx recomputes everything and nx-kubelet does not read its createNodes
//          cache (as Nx's own plugins); it computes every node and writes the cache.
//   warm   nx's defaults after a priming run: nx-kubelet answers every node from its cache and writes nothing.
//   warm, plugins in-process   the same with NX_ISOLATE_PLUGINS=false: no plugin worker processes, so the difference
//          to explicit is the plugins' own work (and nx's merging of what they return), without nx's price per worker.
// @nx/docker's inference is not measured beside them: only @nx/docker 23.x exists on this machine's registry, and
// @nx/* 23 packages must not be mixed into this Nx 24 workspace.
const { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { arg, flag, median, pairedRatio, ratio, rotate, run, seconds, table, timed } = require('./lib');

const root = join(__dirname, '..', '..');
const nodes = arg('--nodes', 500);
const runs = arg('--runs', 5);
const commands = arg('--commands', 'show,graph').split(',');
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const baseEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' };
delete baseEnv.NX_CACHE_PROJECT_GRAPH;
const modes = {
  cold: { ...baseEnv, NX_CACHE_PROJECT_GRAPH: 'false' },
  warm: baseEnv,
  'warm, plugins in-process': { ...baseEnv, NX_ISOLATE_PLUGINS: 'false' },
};
const modeTitles = {
  cold: 'NX_CACHE_PROJECT_GRAPH=false (nx and nx-kubelet recompute everything)',
  warm: "nx's defaults, caches primed (nx-kubelet answers from its createNodes cache)",
  'warm, plugins in-process': "NX_ISOLATE_PLUGINS=false: nx loads every plugin into its own process, no plugin workers; what is left is the plugins' own work",
};
const pluginPackageFiles = ['package.json', 'generators.json', 'executors.json', 'migrations.json', 'dist'];

const variants = {
  explicit: { explicit: true, plugins: [] },
  'explicit + empty plugin': { explicit: true, plugins: ['nx-kubelet-bench-empty-plugin'] },
  inferred: { explicit: false, plugins: ['nx-kubelet'] },
  'inferred, local plugin': { explicit: false, plugins: ['nx-kubelet'], local: true },
};

function workspace(label, { explicit, plugins, local }) {
  const dir = mkdtempSync(join(tmpdir(), `nx-kubelet-graph-${label.replace(/\W+/g, '-')}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'graph-bench', version: '0.0.0', private: true, workspaces: ['generators'] }, null, 2));
  cpSync(join(root, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  for (const path of pluginPackageFiles) cpSync(join(root, 'generators', path), join(dir, 'generators', path), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules')))
    if (entry !== 'nx-kubelet') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  // Installed: a copy in node_modules, as npm puts a package from a registry. Local: a link to the workspace's own.
  if (local) symlinkSync(join(dir, 'generators'), join(dir, 'node_modules', 'nx-kubelet'));
  else for (const path of pluginPackageFiles) cpSync(join(root, 'generators', path), join(dir, 'node_modules', 'nx-kubelet', path), { recursive: true });
  cpSync(join(__dirname, 'empty-plugin'), join(dir, 'node_modules', 'nx-kubelet-bench-empty-plugin'), { recursive: true });
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
  nxJson.plugins = plugins;
  writeFileSync(join(dir, 'nx.json'), JSON.stringify(nxJson, null, 2));
  // One real node from the generator, then copies of it under other names (what nx g would write, minus its cost).
  run([process.execPath, nxBin, 'g', 'nx-kubelet:kubelet-node', 'node-0', '--no-interactive', ...(explicit ? ['--explicitTargets'] : [])], {
    cwd: dir,
    env: modes.cold,
  });
  writeFileSync(join(dir, 'nx.json'), JSON.stringify(nxJson, null, 2)); // the generator may have registered the plugin
  const template = join(dir, 'packages', 'node-0');
  const projectJson = readFileSync(join(template, 'project.json'), 'utf8');
  for (let i = 1; i < nodes; i++) {
    const target = join(dir, 'packages', `node-${i}`);
    cpSync(template, target, { recursive: true });
    writeFileSync(join(target, 'project.json'), projectJson.replace(/node-0/g, `node-${i}`));
  }
  rmSync(join(dir, '.nx'), { recursive: true, force: true });
  return dir;
}

/** One nx command in `dir`; returns its wall time and how many nodes came out with an `up` target. */
function measure(dir, command, env) {
  const graphFile = join(dir, 'graph.json');
  const args = command === 'show' ? ['show', 'projects', '--json'] : ['graph', `--file=${graphFile}`];
  const { ms, result } = timed(() => run([process.execPath, nxBin, ...args], { cwd: dir, env }));
  let count;
  if (command === 'show') count = JSON.parse(result.stdout).filter((name) => name.startsWith('node-')).length;
  else {
    const graph = JSON.parse(readFileSync(graphFile, 'utf8')).graph;
    count = Object.values(graph.nodes).filter((node) => node.name.startsWith('node-') && node.data.targets?.up).length;
  }
  return { ms, count };
}

const cacheFiles = (dir) => {
  const data = join(dir, '.nx', 'workspace-data');
  try {
    return readdirSync(data)
      .filter((name) => name.startsWith('nx-kubelet-') && name.endsWith('.hash'))
      .map((name) => join(data, name));
  } catch {
    return [];
  }
};

const dirs = {};
try {
  const setup = timed(() => {
    for (const [label, variant] of Object.entries(variants)) dirs[label] = workspace(label, variant);
  });
  console.log(`project graph, ${nodes} nodes, no daemon; median of ${runs} runs per cell, the variants in turn (set-up ${seconds(setup.ms)})`);
  const labels = Object.keys(variants);
  for (const [mode, env] of Object.entries(modes)) {
    if (mode !== 'cold') for (const label of labels) for (const command of commands) measure(dirs[label], command, env); // priming
    const stamps = Object.fromEntries(
      labels.map((label) => [
        label,
        cacheFiles(dirs[label])
          .map((file) => statSync(file).mtimeMs)
          .join(),
      ]),
    );
    const samples = Object.fromEntries(labels.map((label) => [label, Object.fromEntries(commands.map((command) => [command, []]))]));
    const counts = {};
    for (let i = 0; i < runs; i++) {
      for (const command of commands) {
        for (const label of rotate(labels, i)) {
          const { ms, count } = measure(dirs[label], command, env);
          samples[label][command].push(ms);
          counts[`${label} ${command}`] = count;
        }
      }
    }
    console.log(`\n${mode}: ${modeTitles[mode]}`);
    const header = ['variant', ...commands.flatMap((command) => [command === 'show' ? 'nx show projects' : 'nx graph --file', 'ratio', 'best', 'ratio'])];
    const rows = labels.map((label) => [
      label,
      ...commands.flatMap((command) => {
        const [own, explicit] = [samples[label][command], samples.explicit[command]];
        return [seconds(median(own)), pairedRatio(own, explicit), seconds(Math.min(...own)), ratio(Math.min(...own), Math.min(...explicit))];
      }),
    ]);
    table(header, rows);
    const wrong = Object.entries(counts).filter(([, count]) => count !== nodes);
    if (wrong.length) console.log(`  WARNING: not every node listed with its targets: ${wrong.map(([key, count]) => `${key}: ${count}`).join(', ')}`);
    for (const label of labels.filter((label) => !variants[label].explicit)) {
      const files = cacheFiles(dirs[label]);
      const rewritten = files.map((file) => statSync(file).mtimeMs).join() !== stamps[label];
      console.log(
        `  ${label}: createNodes cache ${files.length ? `${(statSync(files[0]).size / 1024).toFixed(0)} KiB, ${rewritten ? 'rewritten during the runs' : 'not rewritten during the runs (every node a hit)'}` : 'absent'}`,
      );
    }
  }
} finally {
  if (flag('--keep')) console.log(`kept: ${Object.values(dirs).join(' ')}`);
  else for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
}
