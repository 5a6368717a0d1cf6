#!/usr/bin/env node
// Regenerates packages/example-node with the generator's defaults, through the real nx CLI, so that the example in
// the repository is exactly what `nx g nx-kubelet:kubelet-node example-node --skipFormat` produces (a unit test checks
// this; without --skipFormat this workspace's prettier would also format it).
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
rmSync(join(root, 'packages', 'example-node'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'generators', 'build.js')], { stdio: 'inherit' });
execFileSync(
  process.execPath,
  [require.resolve('nx/bin/nx', { paths: [root] }), 'g', 'nx-kubelet:kubelet-node', 'example-node', '--no-interactive', '--skipFormat'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false' } },
);
