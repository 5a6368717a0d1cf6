// Builds projen-kubelet: compiles src/ to dist/ with tsc. The templates and version matrix are kubelet-node's.
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = __dirname;
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
console.log(`projen-kubelet: built ${relative(process.cwd(), dist) || dist}`);
