// Helpers shared by the benchmarks in tools/bench: arguments, medians, timing, tables. Nothing here asserts.
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

/** `--name value` from the command line, else the fallback (numbers are converted). */
function arg(name, fallback) {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = process.argv[index + 1];
  return typeof fallback === 'number' ? Number(value) : value;
}

const flag = (name) => process.argv.includes(name);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `fn` and returns its wall time in ms together with its result. */
function timed(fn) {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

/** spawnSync without a shell that throws with the output when the command fails; returns stdout and stderr. */
function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}${result.stderr}` };
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const ratio = (a, b) => (a / b).toFixed(2);

/**
 * The ratio of two series sampled in the same rounds: the median of the per-round ratios (pairs taken side by side
 * share the machine's load of that moment), with their range when there is more than one round.
 */
function pairedRatio(a, b) {
  const ratios = a.map((value, index) => value / b[index]);
  const range = ratios.length > 1 ? ` (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` : '';
  return `${median(ratios).toFixed(2)}${range}`;
}

/** Prints rows as a table: first column left-aligned, the others right-aligned. */
function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => String(row[column]).length)));
  for (const row of all)
    console.log(row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column] + 2))).join(''));
}

/** Rotates `items` by `index`: alternates which variant runs first, so that none always gets the coldest slot. */
const rotate = (items, index) => items.map((_, i) => items[(i + index) % items.length]);

/**
 * A temporary copy of this workspace with the built packages and no nodes: node_modules linked to the repository's,
 * nx-kubelet and kubelet-node to the copy's own (as npm workspaces would link them). `prefix` names the folder.
 */
function copyWorkspace(prefix) {
  const root = join(__dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const copied = [
    'package.json',
    'nx.json',
    'tsconfig.base.json',
    'generators/package.json',
    'generators/generators.json',
    'generators/executors.json',
    'generators/migrations.json',
    'generators/dist',
  ];
  for (const path of [...copied, 'packages/kubelet-node/package.json', 'packages/kubelet-node/schemas', 'packages/kubelet-node/dist']) {
    cpSync(join(root, path), join(dir, path), { recursive: true });
  }
  mkdirSync(join(dir, 'node_modules'));
  // The copy's own packages: a rebuild in the repository meanwhile cannot pull them away from a running benchmark.
  const own = { 'nx-kubelet': 'generators', 'kubelet-node': 'packages/kubelet-node' };
  for (const entry of readdirSync(join(root, 'node_modules')))
    if (!(entry in own) && entry !== 'projen-kubelet') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  for (const [name, path] of Object.entries(own)) symlinkSync(join(dir, path), join(dir, 'node_modules', name));
  return dir;
}

module.exports = { arg, flag, median, timed, run, seconds, ratio, pairedRatio, table, rotate, copyWorkspace };
