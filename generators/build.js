// Builds the publishable plugin: compiles src/ to dist/ with tsc, then copies what tsc does not emit
// (the JSON schemas beside each generator, migration docs (.md) and migration templates (.ejs)), and makes the
// executors from kubelet-node's table of operations: executors.json, one entry point per operation, and its schema
// (the operation's own, from kubelet-node/schemas). The node templates are kubelet-node's.
const { execFileSync } = require('node:child_process');
const { rmSync, readdirSync, statSync, mkdirSync, copyFileSync, writeFileSync } = require('node:fs');
const { join, dirname, relative } = require('node:path');

const pluginRoot = __dirname;
const dist = join(pluginRoot, 'dist');

function copyAssets(from, to) {
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (statSync(source).isDirectory()) copyAssets(source, join(to, entry));
    else if (entry.endsWith('.json') || entry.endsWith('.md') || entry.endsWith('.ejs')) {
      mkdirSync(to, { recursive: true });
      copyFileSync(source, join(to, entry));
    }
  }
}

/**
 * The executors are the node operations: one per entry of kubelet-node's table, each a call of nodeExecutor with the
 * operation's own schema (kubelet-node/schemas: one description of each option). Made here, so that adding an
 * operation to the table adds its executor. Writes `<dist>/executors/<operation>/{executor.js,schema.json}` and
 * returns the executors.json manifest.
 */
function writeExecutors(dist, operations, schemasDir) {
  const executors = {};
  for (const [operation, { description }] of Object.entries(operations)) {
    const folder = join(dist, 'executors', operation);
    mkdirSync(folder, { recursive: true });
    copyFileSync(join(schemasDir, `${operation}.json`), join(folder, 'schema.json'));
    writeFileSync(
      join(folder, 'executor.js'),
      `"use strict";\n// \`nx run <node>:${operation}\`: the node operation "${operation}" of kubelet-node, for this project. Made by build.js.\n` +
        `Object.defineProperty(exports, "__esModule", { value: true });\nexports.default = require("../lib/run-executor").nodeExecutor(${JSON.stringify(operation)});\n`,
    );
    executors[operation] = { implementation: `./dist/executors/${operation}/executor.js`, schema: `./dist/executors/${operation}/schema.json`, description };
  }
  return { executors };
}

function build() {
  rmSync(dist, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(pluginRoot, 'tsconfig.json')], { stdio: 'inherit' });
  copyAssets(join(pluginRoot, 'src'), dist);
  const kubeletNode = dirname(require.resolve('kubelet-node/package.json'));
  const { NODE_OPERATIONS } = require('kubelet-node/operations-table');
  const manifest = writeExecutors(dist, NODE_OPERATIONS, join(kubeletNode, 'schemas'));
  writeFileSync(join(pluginRoot, 'executors.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`nx-kubelet: built ${relative(process.cwd(), dist) || dist}`);
}

module.exports = { writeExecutors };
if (require.main === module) build();
