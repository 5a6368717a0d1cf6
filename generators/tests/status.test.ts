/**
 * `kubelet-node status` against a real engine, through the CLI (the built package): what it reports of a healthy node
 * (container, systemd, every unit, /healthz, the static pods; --brief as one line), of a node whose kubelet is stopped,
 * of a stopped container, of a node started by `docker compose` by hand (its plain compose project), of a node with
 * containers in both projects, and of a node with no container; each with its exit code. status asks the node
 * everything in one `docker exec` (node-probe's probeNode); these tests are what tells that its answers are read right.
 *
 * STAND-INS, as in executors.test.ts: the node is a copy of the example node with binarySource=local and the stand-in
 * kubelet (which serves /healthz and the read-only /pods) and cri-dockerd, on the kicbase stand-in.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KICBASE_STAND_IN, removeProject, requireEngine, STAND_IN_BINARIES } from './support/engine';
import { run, runOk } from './support/validators';
import { REPO_ROOT } from './support/workspace';

const node = `it-status-${process.pid.toString(36)}`;
const cli = join(REPO_ROOT, 'packages/kubelet-node/bin/kubelet-node.js');
const UNITS = ['docker.service', 'cri-docker.socket', 'cri-docker.service', 'kubelet.service'];
let workspace: string;
let dir: string;

const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;
/** The CLI in the workspace, with the node's folder as a user types it there (messages show it so). */
const kubeletNode = (operation: string, ...args: string[]) => run(process.execPath, [cli, operation, node, ...args], { cwd: workspace });
const status = (...args: string[]) => kubeletNode('status', ...args);
/** The node's container in the compose project `project`. */
const containerOf = (project: string) =>
  runOk('docker', ['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`])
    .trim()
    .split('\n')[0];

beforeAll(() => {
  requireEngine();
  workspace = mkdtempSync(join(tmpdir(), 'nx-kubelet-status-'));
  dir = join(workspace, node);
  cpSync(join(REPO_ROOT, 'packages/example-node'), dir, { recursive: true });
  // What `nx g … --binarySource=local --kicbaseImage=<stand-in>` writes, in the copy's compose file.
  const composePath = join(dir, 'compose.yaml');
  writeFileSync(
    composePath,
    readFileSync(composePath, 'utf8')
      .replace(/^name: .*$/m, `name: ${node}`)
      .replace(/BINARY_SOURCE: source.*$/m, `BINARY_SOURCE: local\n        KICBASE_IMAGE: ${KICBASE_STAND_IN}`)
      .replace(/image: nx-kubelet-example-node:/, `image: nx-kubelet-${node}:`),
  );
  mkdirSync(join(dir, 'bin'));
  for (const binary of ['kubelet', 'cri-dockerd']) copyFileSync(join(STAND_IN_BINARIES, binary), join(dir, 'bin', binary));
});

afterAll(() => {
  removeProject(node);
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('status of one node through its life', () => {
  let project: string;

  it('a node with no container: says so and how to start it, exit 1', () => {
    const result = status();
    expect(output(result)).toContain(`${node}: no container, on the default engine (start it: kubelet-node up ${node})`);
    expect(result.status).toBe(1);
  });

  it('a healthy node: the container, systemd, every unit, /healthz and each static pod; exit 0', () => {
    expect(kubeletNode('up').status).toBe(0);
    const result = status();
    const text = output(result);
    project = /compose project (\S+)/.exec(text)?.[1] ?? '';
    expect(project).toMatch(new RegExp(`^${node}-[0-9a-f]{8}$`));
    const id = containerOf(project);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(`${node}: kubelet healthy, 0/1 pods running, on the default engine`);
    expect(lines[1]).toBe(`  container    ${project}-example-node-1 (${id.slice(0, 12)}): running, compose project ${project}`);
    expect(lines[2]).toMatch(/^ {2}systemd {6}(running|degraded)$/);
    expect(lines.slice(3, 7)).toEqual(UNITS.map((unit) => `  ${unit.padEnd(20)} active`));
    expect(lines.slice(7)).toEqual([
      '  kubelet      healthy (/healthz: ok)',
      '  static pods  default/hello-world-example-node (read-only API :10255)',
      // The pod's image (nginx) is in neither engine here: the kubelet stand-in reports it Pending.
      expect.stringMatching(/^ {4}default\/hello-world-example-node {2}Pending {2}0\/\d ready {2}0 restarts/),
    ]);
    expect(result.status).toBe(0);

    const brief = status('--brief');
    expect(output(brief).trimEnd()).toBe(`${node}: kubelet healthy, 0/1 pods running, on the default engine`);
    expect(brief.status).toBe(0);
  });

  it('a node whose kubelet is stopped: the unit inactive, NOT healthy, the pods unknown and the manifests listed; exit 1', () => {
    const id = containerOf(project);
    runOk('docker', ['exec', id, 'systemctl', 'stop', 'kubelet.service']);
    try {
      const result = status();
      const text = output(result);
      expect(text).toContain(`${node}: kubelet NOT healthy, pods unknown, on the default engine`);
      expect(text).toMatch(/ {2}kubelet\.service {6}(inactive|failed)\n/);
      expect(text).toMatch(/ {2}docker\.service {7}active\n/);
      expect(text).toContain('  kubelet      not healthy');
      expect(text).toContain('  manifests    hello-world.yaml (read-only API off or not answering)');
      expect(text).not.toContain('could not read the node');
      expect(result.status).toBe(1);
      const brief = status('--brief');
      expect(output(brief).trimEnd()).toBe(`${node}: kubelet NOT healthy, pods unknown, on the default engine`);
      expect(brief.status).toBe(1);
    } finally {
      runOk('docker', ['exec', id, 'systemctl', 'start', 'kubelet.service']);
    }
  });

  it('a stopped container: its state, and with --brief one line; exit 1', () => {
    const id = containerOf(project);
    runOk('docker', ['stop', id]);
    const result = status();
    expect(output(result).trimEnd().split('\n')).toEqual([
      `${node}: container exited, on the default engine`,
      `  container    ${project}-example-node-1 (${id.slice(0, 12)}): exited, compose project ${project}`,
    ]);
    expect(result.status).toBe(1);
    const brief = status('--brief');
    expect(output(brief).trimEnd()).toBe(`${node}: container exited, on the default engine`);
    expect(brief.status).toBe(1);
    expect(kubeletNode('down', '--volumes').status).toBe(0);
  });

  it('a node started by docker compose by hand in its folder: found in that plain project; both projects at once: refused', () => {
    runOk('docker', ['compose', 'up', '--detach', '--no-build'], { cwd: dir });
    const result = status('--brief');
    // Its kubelet may not be up yet: status tells what it finds, in the plain project.
    expect(output(result)).toMatch(new RegExp(`^${node}: kubelet (healthy|NOT healthy)`));
    expect(output(status())).toContain(`: running, compose project ${node}\n`);

    runOk('docker', ['compose', '--project-name', project, 'create', '--no-build'], { cwd: dir });
    const both = status();
    expect(output(both)).toContain(`This node has containers in two compose projects: "${project}" (the operations') and "${node}"`);
    expect(both.status).toBe(1);
    runOk('docker', ['compose', '--project-name', project, 'down', '--volumes'], { cwd: dir });
    runOk('docker', ['compose', 'down', '--volumes'], { cwd: dir });
  });
});
