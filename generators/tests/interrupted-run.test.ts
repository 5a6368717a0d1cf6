/**
 * A test run that is interrupted (Ctrl-C) leaves nothing on the engine: a child jest run with the integration
 * projects' global setup starts a compose project (a container and a named volume) from a test's temporary folder,
 * then waits; it gets SIGINT as a terminal's Ctrl-C sends it, and exits 130 with the container and volume gone.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KICBASE_STAND_IN, requireEngine } from './support/engine';
import { REPO_ROOT } from './support/workspace';

const project = `sweep-probe-${process.pid}`;
let dir: string;

beforeAll(() => {
  requireEngine();
  dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-interrupted-'));
});

afterAll(() => {
  spawnSync('docker', ['rm', '--force', `${project}-probe-1`], { stdio: 'ignore' });
  spawnSync('docker', ['volume', 'rm', '--force', `${project}_data`], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

const lines = (args: string[]) => spawnSync('docker', args, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

it('removes the compose projects of the interrupted run, and exits 130', async () => {
  const marker = join(dir, 'started');
  writeFileSync(
    join(dir, 'jest.config.js'),
    `module.exports = { rootDir: ${JSON.stringify(dir)}, testMatch: ['**/*.probe.js'], testTimeout: 600000,
       globalSetup: ${JSON.stringify(join(REPO_ROOT, 'tools/test-run/global-setup.js'))},
       globalTeardown: ${JSON.stringify(join(REPO_ROOT, 'tools/test-run/global-teardown.js'))} };\n`,
  );
  // The probe works in os.tmpdir() as every test does: the run's folder, which the global setup made.
  writeFileSync(
    join(dir, 'node.probe.js'),
    `const { execFileSync } = require('node:child_process');
     const { mkdtempSync, writeFileSync } = require('node:fs');
     const { join } = require('node:path');
     it('starts a node and waits', async () => {
       const folder = mkdtempSync(join(require('node:os').tmpdir(), 'probe-'));
       writeFileSync(join(folder, 'compose.yaml'), ${JSON.stringify(
         `name: ${project}\nservices:\n  probe:\n    image: ${KICBASE_STAND_IN}\n    entrypoint: ["sleep", "infinity"]\n    volumes: [data:/data]\nvolumes:\n  data: {}\n`,
       )});
       execFileSync('docker', ['compose', 'up', '--detach'], { cwd: folder, stdio: 'ignore' });
       writeFileSync(${JSON.stringify(marker)}, folder);
       await new Promise((resolve) => setTimeout(resolve, 600000));
     });\n`,
  );
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/jest/bin/jest.js'), '--config', join(dir, 'jest.config.js')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NX_KUBELET_TEST_RUN_DIR: '' }, // a run of its own, not part of this one
    detached: true, // its own process group, as a terminal's foreground job: Ctrl-C reaches jest and its workers
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 180000;
  while (!existsSync(marker)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the probe run did not start its node:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(lines(['ps', '--quiet', '--filter', `label=com.docker.compose.project=${project}`])).toHaveLength(1);
  expect(lines(['volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`])).toHaveLength(1);

  process.kill(-child.pid!, 'SIGINT');
  expect(await exited).toBe(130);
  expect(output).toContain(`removed ${project}`);
  expect(lines(['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`])).toEqual([]);
  expect(lines(['volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`])).toEqual([]);
});
