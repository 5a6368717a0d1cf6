// Builds the publishable plugin: compiles src/ to dist/ with tsc, then copies what tsc does not emit
// (the JSON schemas beside each generator, the executors' schemas from kubelet-node, migration docs (.md) and
// migration templates (.ejs)). The node templates are kubelet-node's.
const { execFileSync } = require('node:child_process');
const { rmSync, readdirSync, statSync, mkdirSync, copyFileSync } = require('node:fs');
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

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(pluginRoot, 'tsconfig.json')], {
  stdio: 'inherit',
});
copyAssets(join(pluginRoot, 'src'), dist);
// The executors' schemas are the node operations' own (kubelet-node/schemas): one description of each option.
const operationSchemas = join(dirname(require.resolve('kubelet-node/package.json')), 'schemas');
for (const file of readdirSync(operationSchemas)) {
  mkdirSync(join(dist, 'executors', file.replace(/\.json$/, '')), { recursive: true });
  copyFileSync(join(operationSchemas, file), join(dist, 'executors', file.replace(/\.json$/, ''), 'schema.json'));
}
console.log(`nx-kubelet: built ${relative(process.cwd(), dist) || dist}`);
