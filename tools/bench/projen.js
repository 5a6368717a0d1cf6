#!/usr/bin/env node
// projen synth beside nx g, for 1 node and for 50 nodes (issue 13). Prints numbers and ratios, asserts nothing.
// Run after `npm run build`:   node tools/bench/projen.js [--runs 5]
//
// 1. In-process, both writing to disk: projen (construct the project and its KubeletNodes, synth into a fresh
//    folder) beside the nx-kubelet generator on an Nx virtual tree whose changes are then flushed to a fresh folder.
// 2. Command line, as users run them: `node .projenrc.js` (1 and 50 nodes) beside `nx g nx-kubelet:kubelet-node`
//    (one node per command, as Nx users add nodes) in a copy of this workspace.
const { mkdtempSync, rmSync, writeFileSync, symlinkSync, mkdirSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { arg, median, pairedRatio, rotate, run, table } = require('./lib');

const root = join(__dirname, '..', '..');
const runs = arg('--runs', 5);
const fresh = (prefix) => mkdtempSync(join(tmpdir(), prefix));
const ms = (value) => `${value.toFixed(0)} ms`;

async function inProcess() {
  const { Project } = require(join(root, 'node_modules', 'projen'));
  const { KubeletNode } = require(join(root, 'packages', 'projen-kubelet', 'dist'));
  const { createTreeWithEmptyWorkspace } = require('@nx/devkit/testing');
  const { flushChanges } = require('nx/src/generators/tree');
  const { kubeletNodeGenerator } = require(join(root, 'generators', 'dist', 'generators', 'kubelet-node', 'generator.js'));

  const projenSynth = (count) => {
    const outdir = fresh('bench-projen-');
    const start = performance.now();
    const project = new Project({ name: 'bench', outdir });
    for (let i = 0; i < count; i++) new KubeletNode(project, { name: `node-${i}` });
    project.synth();
    const elapsed = performance.now() - start;
    rmSync(outdir, { recursive: true, force: true });
    return elapsed;
  };
  const nxGenerate = async (count) => {
    const outdir = fresh('bench-nx-');
    const start = performance.now();
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    for (let i = 0; i < count; i++) await kubeletNodeGenerator(tree, { name: `node-${i}`, skipFormat: true });
    flushChanges(outdir, tree.listChanges());
    const elapsed = performance.now() - start;
    rmSync(outdir, { recursive: true, force: true });
    return elapsed;
  };
  // Warm-up: module loading and template reading happen once per process for both.
  projenSynth(1);
  await nxGenerate(1);
  const rows = [];
  for (const count of [1, 50]) {
    const projen = [];
    const nx = [];
    for (let i = 0; i < runs; i++) {
      for (const variant of rotate(['projen', 'nx'], i)) {
        if (variant === 'projen') projen.push(projenSynth(count));
        else nx.push(await nxGenerate(count));
      }
    }
    rows.push([`${count} node${count > 1 ? 's' : ''}`, ms(median(projen)), ms(median(nx)), pairedRatio(projen, nx)]);
  }
  console.log(`\nIn-process, writing to disk (median of ${runs}; ratio = median of per-round ratios, with range)`);
  table(['', 'projen synth', 'nx g (tree + flush)', 'projen / nx'], rows);
}

function commandLine() {
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false', CI: 'true' };
  const projenDir = fresh('bench-projen-cli-');
  mkdirSync(join(projenDir, 'node_modules'));
  for (const name of ['projen', 'constructs', 'projen-kubelet', 'kubelet-node', 'ejs', 'yaml'])
    symlinkSync(join(root, 'node_modules', name), join(projenDir, 'node_modules', name));
  const projenrc = (count) =>
    [
      "const { Project } = require('projen');",
      "const { KubeletNode } = require('projen-kubelet');",
      "const project = new Project({ name: 'bench' });",
      `for (let i = 0; i < ${count}; i++) new KubeletNode(project, { name: 'node-' + i });`,
      'project.synth();',
    ].join('\n');
  const synthCli = (count) => {
    rmSync(join(projenDir, 'packages'), { recursive: true, force: true });
    writeFileSync(join(projenDir, '.projenrc.js'), projenrc(count));
    const start = performance.now();
    run([process.execPath, '.projenrc.js'], { cwd: projenDir, env });
    return performance.now() - start;
  };
  const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
  const nxCli = (name) => {
    const start = performance.now();
    run([process.execPath, nxBin, 'g', 'nx-kubelet:kubelet-node', name, '--dry-run', '--no-interactive'], { cwd: root, env });
    return performance.now() - start;
  };
  const one = [];
  const fifty = [];
  const nx = [];
  for (let i = 0; i < runs; i++) {
    one.push(synthCli(1));
    fifty.push(synthCli(50));
    nx.push(nxCli(`bench-${i}`));
  }
  rmSync(projenDir, { recursive: true, force: true });
  console.log(`\nCommand line (median of ${runs}); nx g adds one node per command, so 50 nodes take 50 commands`);
  table(
    ['', 'projen (node .projenrc.js)', 'nx g (per node, --dry-run)', 'projen / nx'],
    [
      ['1 node', ms(median(one)), ms(median(nx)), pairedRatio(one, nx)],
      ['50 nodes', ms(median(fifty)), `${ms(median(nx) * 50)} (50 x)`, (median(fifty) / (median(nx) * 50)).toFixed(3)],
    ],
  );
}

inProcess()
  .then(commandLine)
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
