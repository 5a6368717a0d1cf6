// The integration and end-to-end tests leave nothing on the engine, also when they are interrupted: every temporary
// folder a test makes is inside one folder per test run (TMPDIR points there, so os.tmpdir() in every test worker),
// and whatever Compose project has its working directory in that folder is removed at the end of the run and on
// Ctrl-C (SIGINT) or SIGTERM, after which the run exits 130 or 143. Jest runs no afterAll hook when it is
// interrupted; this does. Tests still remove their own nodes in afterAll (and say when they cannot): this is the net
// under them. Only this run's projects are touched: another test run on the same engine keeps its nodes.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { projectLabel, removeNode } = require('../docker-engine/leftovers');
const { removeVmsIn } = require('../cgroup2-vm/cgroup2-vm');

const RUN_FOLDER = 'NX_KUBELET_TEST_RUN_DIR';

/** The compose projects whose working directory is inside `folder` (containers, running or not, and volumes). */
function projectsIn(folder, cli = 'docker') {
  const listing = (args) => {
    const label = (name) => projectLabel([cli], args[0]).replace('com.docker.compose.project', name);
    const result = spawnSync(
      cli,
      [
        ...args,
        '--filter',
        'label=com.docker.compose.project',
        '--format',
        `${label('com.docker.compose.project')}\t${label('com.docker.compose.project.working_dir')}`,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, PODMAN_IGNORE_CGROUPSV1_WARNING: '1' },
      },
    );
    return result.status === 0 ? result.stdout.split('\n').filter(Boolean) : [];
  };
  const projects = new Set();
  for (const line of [...listing(['ps', '--all']), ...listing(['volume', 'ls'])]) {
    const [project, workingDir] = line.split('\t');
    if (project && workingDir && (workingDir === folder || workingDir.startsWith(`${folder}/`))) projects.add(project);
  }
  return [...projects];
}

/**
 * Removes this run's compose projects, then the test engines it started in containers (docker28-engine.js labels
 * their container and data volume with the run's folder) and the cgroup v2 VMs it booted (their state folder is in the
 * run's folder); returns the names of what it removed.
 */
function sweep(folder) {
  const projects = projectsIn(folder);
  for (const project of projects) removeNode(project);
  // Nodes on Podman (engine-podman.test.ts), when this machine has it.
  const onPodman = spawnSync('podman', ['--version'], { stdio: 'ignore' }).status === 0 ? projectsIn(folder, 'podman') : [];
  for (const project of onPodman) removeNode(project, { docker: ['podman'] });
  const label = `label=org.nx-kubelet.test-run=${folder}`;
  const listed = (args, format) => {
    const result = spawnSync('docker', [...args, '--filter', label, '--format', format], { encoding: 'utf8' });
    return result.status === 0 ? result.stdout.split('\n').filter(Boolean) : [];
  };
  const engines = listed(['ps', '--all'], '{{.Names}}');
  if (engines.length) spawnSync('docker', ['rm', '--force', '--volumes', ...engines], { stdio: 'ignore' });
  const volumes = listed(['volume', 'ls'], '{{.Name}}');
  if (volumes.length) spawnSync('docker', ['volume', 'rm', '--force', ...volumes], { stdio: 'ignore' });
  // The cgroup v2 VM (cgroup-v2.test.ts): its qemu and its overlay live in a folder of this run's (their nodes with them).
  const vms = removeVmsIn(folder);
  return [...projects, ...onPodman.map((project) => `${project} (Podman)`), ...engines.map((name) => `engine ${name}`), ...vms];
}

function globalSetup() {
  if (process.env[RUN_FOLDER]) return; // the second project of the same run
  const folder = mkdtempSync(join(tmpdir(), 'nx-kubelet-test-run-'));
  process.env[RUN_FOLDER] = folder;
  process.env.TMPDIR = folder;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.once(signal, () => {
      const removed = sweep(folder);
      process.stderr.write(`\ntest run interrupted (${signal}): removed ${removed.length ? removed.join(', ') : 'no node'} from the engine\n`);
      rmSync(folder, { recursive: true, force: true });
      process.exit(code);
    });
  }
}

function globalTeardown() {
  const folder = process.env[RUN_FOLDER];
  if (!folder) return;
  const removed = sweep(folder);
  if (removed.length > 0) process.stderr.write(`test run: removed what tests left on the engine: ${removed.join(', ')}\n`);
  rmSync(folder, { recursive: true, force: true });
  delete process.env[RUN_FOLDER];
}

module.exports = { globalSetup, globalTeardown, projectsIn, sweep, RUN_FOLDER };
