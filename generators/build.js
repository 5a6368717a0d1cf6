// Builds the publishable plugin: compiles src/ to dist/ with tsc, then copies what tsc does not emit
// (the JSON schemas beside each generator/executor, migration docs (.md) and templates (.ejs), and the top-level templates/ that every node is rendered from).
const { execFileSync } = require('node:child_process');
const { cpSync, rmSync, readdirSync, statSync, mkdirSync, copyFileSync } = require('node:fs');
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
cpSync(join(pluginRoot, '..', 'templates'), join(dist, 'templates'), { recursive: true });
console.log(`nx-kubelet: built ${relative(process.cwd(), dist) || dist}`);
