/**
 * Fleets, on the engines users run, all real: the host's Docker 26 (classic image store); a second Docker 26 that this
 * test starts in a network namespace of its own (tools/docker-engine/second-engine.js: own data-root, exec-root,
 * pidfile and bridge, TCP on the namespace's veth address only); Docker 28 with the containerd image store in a
 * container of the tests' own (tools/docker-engine/docker28-engine.js); and rootful Podman 5
 * (tools/podman-engine/start.sh). Nodes recorded on each are built, started, checked and stopped with `nx run-many`
 * in one run; an engine that stops fails only its own nodes, with its address in the message; two workspaces with a
 * node of the same name share no container or volume; CPU and memory limits reach the container. Stand-ins as in the
 * executor tests (the two binaries and the kicbase base image, loaded into each engine's store).
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KICBASE_FLAG, KICBASE_STAND_IN, leftovers, removeProject, requireEngine, STAND_IN_BINARIES } from './support/engine';
import { run } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startSecondEngine } = require('../../tools/docker-engine/second-engine');
const { loadImages } = require('../../tools/docker-engine/lib');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startDocker28Engine } = require('../../tools/docker-engine/docker28-engine');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeLeftovers = require('../../tools/docker-engine/leftovers');

interface SecondEngine {
  host: string;
  docker(...args: string[]): string[];
  stop(): void;
  remove(): void;
}

const suffix = process.pid.toString(36);
const local = [`fl-a-${suffix}`, `fl-b-${suffix}`];
const remote = [`fl-c-${suffix}`];
/** One node on Docker 28 (containerd image store), one on Podman 5. */
const onDocker28 = `fl-e-${suffix}`;
const onPodman = `fl-p-${suffix}`;
const all = [...local, ...remote, onDocker28, onPodman];
const podmanEnv = { ...process.env, PODMAN_IGNORE_CGROUPSV1_WARNING: '1' };
let engine: SecondEngine;
let docker28: SecondEngine;
let workspace: string;
let other: string | undefined;

const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;

function generate(dir: string, name: string, flags: string[]): void {
  const result = nx(dir, ['g', 'nx-kubelet:kubelet-node', name, '--binarySource=local', KICBASE_FLAG, ...flags]);
  expect(output(result)).not.toMatch(/error/i);
  expect(result.status).toBe(0);
  for (const binary of ['kubelet', 'cri-dockerd']) copyFileSync(join(STAND_IN_BINARIES, binary), join(dir, 'packages', name, 'bin', binary));
}

/** `<compose project>` of each container of a node's service on an engine, running or not. */
function projectsOf(node: string, docker: string[] = ['docker']): string[] {
  const result = run(docker[0], [
    ...docker.slice(1),
    'ps',
    '--all',
    '--filter',
    `label=com.docker.compose.service=${node}`,
    '--format',
    '{{.Label "com.docker.compose.project"}}',
  ]);
  return result.stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  requireEngine();
  const podman = run('podman', ['info', '--format', '{{.Version.Version}}'], { env: podmanEnv });
  if (podman.status !== 0 || !/^5\./.test(podman.stdout.trim()))
    throw new Error(
      `Podman 5 is required for the fleet test (podman info: exit ${podman.status}, ${output(podman).trim()}). Start it with tools/podman-engine/start.sh.`,
    );
  if (run('podman', ['image', 'exists', KICBASE_STAND_IN], { env: podmanEnv }).status !== 0)
    throw new Error(`${KICBASE_STAND_IN} is not in Podman's store: run tools/podman-engine/start.sh (it loads it from the host Docker).`);
  engine = await startSecondEngine();
  docker28 = await startDocker28Engine();
  await Promise.all([loadImages(engine, [KICBASE_STAND_IN]), loadImages(docker28, [KICBASE_STAND_IN])]);
  workspace = copyWorkspace();
  generate(workspace, local[0], []);
  generate(workspace, local[1], ['--cpus=1.5', '--memory=1g']);
  for (const name of remote) generate(workspace, name, [`--dockerHost=${engine.host}`]);
  generate(workspace, onDocker28, [`--dockerHost=${docker28.host}`]);
  generate(workspace, onPodman, ['--engine=podman']);
}, 600_000);

afterAll(() => {
  for (const name of all.filter((name) => name !== onPodman)) removeProject(name);
  const left = nodeLeftovers.removeNode(onPodman, { docker: ['podman'] });
  engine?.remove();
  docker28?.remove();
  if (!nodeLeftovers.nothingLeft(left)) throw new Error(`could not remove what the test left of ${onPodman} in Podman: ${JSON.stringify(left)}`);
  removeWorkspace(workspace);
  removeWorkspace(other);
});

it('records the engine with the node: compose.yaml and its README', () => {
  const compose = readFileSync(join(workspace, 'packages', remote[0], 'compose.yaml'), 'utf8');
  expect(compose).toContain(`x-kubelet-node:\n  docker-host: ${engine.host}`);
  expect(readFileSync(join(workspace, 'packages', remote[0], 'README.md'), 'utf8')).toContain(`**Where it runs:** on the Docker engine at \`${engine.host}\``);
  expect(readFileSync(join(workspace, 'packages', local[0], 'compose.yaml'), 'utf8')).not.toContain('x-kubelet-node');
});

it('run-many builds and starts the nodes of every engine at once, each on its own engine', () => {
  const result = nx(workspace, ['run-many', '-t', 'build,up', `--projects=${all.join(',')}`, '--parallel=5']);
  expect(output(result)).not.toContain('Failed tasks');
  expect(result.status).toBe(0);
  for (const name of local) {
    expect(projectsOf(name)).toHaveLength(1);
    expect(projectsOf(name, engine.docker())).toEqual([]);
  }
  for (const name of remote) {
    expect(projectsOf(name, engine.docker())).toHaveLength(1);
    expect(projectsOf(name)).toEqual([]);
  }
  expect(projectsOf(onDocker28, docker28.docker())).toHaveLength(1);
  expect(projectsOf(onDocker28)).toEqual([]);
  expect(projectsOf(onPodman, ['podman'])).toHaveLength(1);
  expect(projectsOf(onPodman)).toEqual([]);
});

it('status of many nodes: one summary line each, naming the engine', () => {
  const result = nx(workspace, ['run-many', '-t', 'status', `--projects=${all.join(',')}`, '--brief', '--output-style=static']);
  expect(result.status).toBe(0);
  for (const name of local) expect(output(result)).toMatch(new RegExp(`^${name}: kubelet healthy, [^\\n]*, on the default engine$`, 'm'));
  for (const name of remote)
    expect(output(result)).toMatch(new RegExp(`^${name}: kubelet healthy, [^\\n]*, on DOCKER_HOST=${engine.host.replace(/\./g, '\\.')}$`, 'm'));
  expect(output(result)).toMatch(new RegExp(`^${onDocker28}: kubelet healthy, [^\\n]*, on DOCKER_HOST=${docker28.host.replace(/\./g, '\\.')}$`, 'm'));
  expect(output(result)).toMatch(new RegExp(`^${onPodman}: kubelet healthy, [^\\n]*, on Podman$`, 'm'));
  // --brief: no detail lines.
  expect(output(result)).not.toContain('systemd      ');
});

it('--cpus and --memory reach the container', () => {
  const id = run('docker', ['ps', '--quiet', '--filter', `label=com.docker.compose.service=${local[1]}`]).stdout.trim();
  const limits = JSON.parse(run('docker', ['inspect', '--format', '{{json .HostConfig}}', id]).stdout);
  expect(limits.NanoCpus).toBe(1.5e9);
  expect(limits.Memory).toBe(1024 ** 3);
});

it('an engine given on the command line wins over the recorded one', () => {
  const result = nx(workspace, ['run', `${remote[0]}:status`, '--dockerHost=unix:///var/run/docker.sock']);
  expect(result.status).not.toBe(0);
  expect(output(result)).toContain(`${remote[0]}: no container, on DOCKER_HOST=unix:///var/run/docker.sock`);
});

it('two workspaces with a node of the same name share no container, network or volume', () => {
  other = copyWorkspace();
  generate(other, local[0], []);
  const up = nx(other, ['run', `${local[0]}:up`]);
  expect(up.status).toBe(0);
  const projects = projectsOf(local[0]);
  expect(projects).toHaveLength(2);
  expect(new Set(projects).size).toBe(2);
  const volumes = run('docker', ['volume', 'ls', '--quiet', '--filter', 'label=com.docker.compose.volume']).stdout.split('\n');
  for (const project of projects) expect(volumes).toContain(`${project}_${local[0]}-var`);
  expect(nx(other, ['run', `${local[0]}:down`, '--volumes']).status).toBe(0);
  // The first workspace's node is untouched.
  expect(projectsOf(local[0])).toHaveLength(1);
  expect(nx(workspace, ['run', `${local[0]}:status`, '--brief']).status).toBe(0);
});

it('an engine that stops fails only its own nodes, naming its address', () => {
  engine.stop();
  const result = nx(workspace, ['run-many', '-t', 'status', `--projects=${all.join(',')}`, '--brief', '--output-style=static']);
  expect(result.status).not.toBe(0);
  for (const name of [...local, onDocker28, onPodman]) expect(output(result)).toMatch(new RegExp(`^${name}: kubelet healthy`, 'm'));
  expect(output(result)).toContain(`The Docker daemon is not reachable (DOCKER_HOST=${engine.host})`);
  expect(output(result).match(/The Docker daemon is not reachable/g)).toHaveLength(remote.length);
});

it("run-many down --volumes leaves nothing of the running engines' nodes", () => {
  const result = nx(workspace, ['run-many', '-t', 'down', `--projects=${[...local, onDocker28, onPodman].join(',')}`, '--volumes']);
  expect(result.status).toBe(0);
  const nothing = { containers: [], volumes: [], networks: [] };
  for (const name of local) expect(leftovers(name)).toEqual(nothing);
  expect(nodeLeftovers.leftovers(onDocker28, docker28.docker())).toEqual(nothing);
  expect(nodeLeftovers.leftovers(onPodman, ['podman'])).toEqual(nothing);
});
