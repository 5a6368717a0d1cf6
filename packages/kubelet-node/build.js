// Builds kubelet-node: compiles src/ to dist/ with tsc, copies the repository's templates/ (the one copy of every
// file a node gets) to dist/templates, and makes the CLI executable.
const { execFileSync } = require('node:child_process');
const { chmodSync, cpSync, rmSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = __dirname;
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
cpSync(join(root, '..', '..', 'templates'), join(dist, 'templates'), { recursive: true });
chmodSync(join(dist, 'cli.js'), 0o755);
console.log(`kubelet-node: built ${relative(process.cwd(), dist) || dist}`);
