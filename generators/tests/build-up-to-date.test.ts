/**
 * A build that changes nothing skips `docker compose build`, and never skips one that would change the image: one node
 * (binarySource=local, the stand-in binaries, a base image tag of this test's own made from the kicbase stand-in),
 * built through the `kubelet-node` CLI, then each input changed in turn. After every change the build must run and
 * the build after it must skip (so a label that is never updated cannot pass as a rebuild).
 */
import { appendFileSync, chmodSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_VERSIONS } from 'kubelet-node';
import { KICBASE_STAND_IN, removeProject, requireEngine, STAND_IN_BINARIES } from './support/engine';
import { run, runOk } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

const suffix = process.pid.toString(36);
const node = `it-uptodate-${suffix}`;
const base = `nx-kubelet/kicbase-stand-in-it:${suffix}`;
const image = `nx-kubelet-${node}:${DEFAULT_VERSIONS.kubernetes}`;
const LABEL = 'kubelet-node.image-inputs';
const SKIPPED = `${node}: image ${image} is up to date (inputs unchanged since it was built); nothing to build`;
let workspace: string;
let dir: string;

const imageId = (name: string) => runOk('docker', ['image', 'inspect', '--format', '{{.Id}}', name]).trim();
const label = () => runOk('docker', ['image', 'inspect', '--format', `{{ index .Config.Labels "${LABEL}" }}`, image]).trim();

/** `kubelet-node build` of the node (extra arguments and environment as given): its output, which must succeed. */
function build(args: string[] = [], env: NodeJS.ProcessEnv = {}): string {
  const cli = join(workspace, 'node_modules', 'kubelet-node', 'dist', 'cli.js');
  const result = run(process.execPath, [cli, 'build', `packages/${node}`, ...args], { cwd: workspace, env });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`kubelet-node build failed (${result.status}):\n${output.slice(-3000)}`);
  return output;
}

/** The build ran (BuildKit named the image anew) and labelled the image; the next build with the same inputs skips. */
function expectRebuildThenSkip(env: NodeJS.ProcessEnv = {}): void {
  const before = label();
  const output = build([], env);
  expect(output).not.toContain(SKIPPED);
  expect(output).toContain(`naming to docker.io/library/${image}`);
  expect(label()).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(label()).not.toBe(before);
  const id = imageId(image);
  expect(build([], env)).toContain(SKIPPED);
  expect(imageId(image)).toBe(id);
}

beforeAll(() => {
  requireEngine();
  runOk('docker', ['tag', KICBASE_STAND_IN, base]);
  workspace = copyWorkspace();
  const generated = nx(workspace, ['g', 'nx-kubelet:kubelet-node', node, '--binarySource=local', `--kicbaseImage=${base}`]);
  if (generated.status !== 0) throw new Error(`${generated.stdout}${generated.stderr}`);
  dir = join(workspace, 'packages', node);
  for (const binary of ['kubelet', 'cri-dockerd']) copyFileSync(join(STAND_IN_BINARIES, binary), join(dir, 'bin', binary));
});

afterAll(() => {
  removeProject(node);
  run('docker', ['image', 'rm', '--force', base]);
  removeWorkspace(workspace);
});

describe('build skips when the image is up to date, and only then', () => {
  it('builds a new node and labels its image with the hash of its inputs; the second build skips and says so', () => {
    const files = readdirSync(dir).sort();
    const output = build();
    expect(output).toContain(`naming to docker.io/library/${image}`);
    expect(label()).toMatch(/^sha256:[0-9a-f]{64}$/);
    const id = imageId(image);
    expect(build()).toContain(SKIPPED);
    expect(imageId(image)).toBe(id);
    // The label came through a temporary compose override: nothing was added to the node's folder.
    expect(readdirSync(dir).sort()).toEqual(files);
    expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).not.toContain(LABEL);
  });

  it('skips after an edit to a file the build context leaves out (README.md)', () => {
    appendFileSync(join(dir, 'README.md'), '\nA note of mine.\n');
    expect(build()).toContain(SKIPPED);
  });

  it('rebuilds after an edit to the Dockerfile', () => {
    appendFileSync(join(dir, 'Dockerfile.kicbase'), 'LABEL it.edited="dockerfile"\n');
    expectRebuildThenSkip();
  });

  it('rebuilds after an edit to a copied unit (units/kubelet.service)', () => {
    appendFileSync(join(dir, 'units', 'kubelet.service'), '# edited by the test\n');
    expectRebuildThenSkip();
  });

  it('rebuilds after an edit to kubelet.yaml, and the image has the edit', () => {
    appendFileSync(join(dir, 'kubelet.yaml'), '# edited by the test\n');
    expectRebuildThenSkip();
    expect(runOk('docker', ['run', '--rm', '--entrypoint', 'tail', image, '-n', '1', '/kubelet.yaml'])).toContain('# edited by the test');
  });

  it('rebuilds after a new manifest, and after a binary changes its permission bits', () => {
    writeFileSync(join(dir, 'manifests', 'extra.yaml'), readFileSync(join(dir, 'manifests', 'hello-world.yaml'), 'utf8').replace('hello-world', 'extra'));
    expectRebuildThenSkip();
    chmodSync(join(dir, 'bin', 'cri-dockerd'), 0o700);
    expectRebuildThenSkip();
  });

  it('rebuilds after a build arg is added to compose.yaml (interpolated from the environment)', () => {
    const compose = readFileSync(join(dir, 'compose.yaml'), 'utf8');
    expect(compose).toMatch(/\n( +)BINARY_SOURCE: local/);
    writeFileSync(join(dir, 'compose.yaml'), compose.replace(/\n( +)BINARY_SOURCE: local/, '\n$1BINARY_SOURCE: local\n$1IT_EXTRA: ${IT_EXTRA_VALUE:-none}'));
    expectRebuildThenSkip();
  });

  it('rebuilds after the .env value that the build arg takes changes, and after the shell overrides it', () => {
    writeFileSync(join(dir, '.env'), 'IT_EXTRA_VALUE=one\n');
    expectRebuildThenSkip();
    expectRebuildThenSkip({ IT_EXTRA_VALUE: 'two' });
  });

  it('rebuilds after the base image changes locally under the same name', () => {
    const before = imageId(base);
    const rebuilt = run('docker', ['build', '--tag', base, '-'], { input: `FROM ${KICBASE_STAND_IN}\nLABEL it.base="${suffix}"\n` });
    expect(rebuilt.status).toBe(0);
    expect(imageId(base)).not.toBe(before);
    expectRebuildThenSkip();
  });

  it('up brings the image up to date itself, in one Nx task: rebuilds after an edit, skips when unchanged, not with --build=false', () => {
    // The first through Nx (its task graph), the others through the CLI (the same operation, without Nx's start-up).
    const cli = join(workspace, 'node_modules', 'kubelet-node', 'dist', 'cli.js');
    let viaNx = true;
    const up = (args: string[]) => {
      const result = viaNx
        ? nx(workspace, ['run', `${node}:up`, '--wait=false', ...args])
        : run(process.execPath, [cli, 'up', `packages/${node}`, '--wait=false', ...args], { cwd: workspace });
      viaNx = false;
      const text = `${result.stdout}${result.stderr}`;
      if (result.status !== 0) throw new Error(`up failed (${result.status}):\n${text.slice(-3000)}`);
      return text;
    };
    try {
      appendFileSync(join(dir, 'kubelet.yaml'), '# edited before up\n');
      const before = label();
      const first = up([]);
      // No build task of the node's own ran before up: up built the image (BuildKit named it anew, new label).
      expect(first).not.toMatch(/nx run \S+:build/);
      expect(first).not.toMatch(/tasks? it depends on/);
      expect(first).toContain(`naming to docker.io/library/${image}`);
      expect(label()).not.toBe(before);
      const id = imageId(image);
      expect(up([])).toContain(SKIPPED);
      expect(imageId(image)).toBe(id);
      // --build=false starts the image there is, even after an edit; the next build then builds.
      appendFileSync(join(dir, 'kubelet.yaml'), '# edited, up --build=false\n');
      const stale = up(['--build=false']);
      expect(stale).not.toContain('naming to docker.io');
      expect(stale).not.toContain(SKIPPED);
      expect(imageId(image)).toBe(id);
      expectRebuildThenSkip();
    } finally {
      run(process.execPath, [cli, 'down', `packages/${node}`, '--volumes'], { cwd: workspace });
    }
  });

  it('builds with --force (and --noCache) whatever the label says', () => {
    for (const flag of ['--force', '--noCache']) {
      const output = build([flag]);
      expect(output).not.toContain(SKIPPED);
      expect(output).toContain(`naming to docker.io/library/${image}`);
    }
    expect(build()).toContain(SKIPPED);
  });
});
