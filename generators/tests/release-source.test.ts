/**
 * binarySource=release, built for real by BuildKit against a local mirror: the test serves the release layout of
 * dl.k8s.io (kubelet) and of cri-dockerd's GitHub releases (cri-dockerd-<v>.amd64.tgz) over HTTP on the Docker
 * bridge, and points the node's KUBE_RELEASE_URL / CRI_DOCKERD_RELEASE_URL build args at it, as a user with a mirror
 * would. The served binaries are the stand-ins (this machine reaches neither dl.k8s.io nor GitHub), so their
 * checksums are set as the KUBELET_SHA256_AMD64 / CRI_DOCKERD_SHA256_AMD64 build args, as a user pinning their own
 * builds would; the download, the SHA-256 checks against the pinned values and the image build are real.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { KICBASE_FLAG, removeProject, requireEngine, STAND_IN_BINARIES } from './support/engine';
import { DEFAULT_VERSIONS } from 'kubelet-node';
import { run } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

const name = `it-release-${process.pid.toString(36)}`;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
let workspace: string;
let server: ChildProcess;
let mirror: string;
const served = (path: string) => join(workspace, 'mirror', path);
const KUBELET = `k8s/${DEFAULT_VERSIONS.kubernetes}/bin/linux/amd64/kubelet`;
const ARCHIVE = 'cri-dockerd/v0.3.21/cri-dockerd-0.3.21.amd64.tgz';

function serve(path: string, content: Buffer | string): void {
  mkdirSync(dirname(served(path)), { recursive: true });
  writeFileSync(served(path), content);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '0.0.0.0', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  requireEngine();
  workspace = copyWorkspace();
  const kubelet = readFileSync(join(STAND_IN_BINARIES, 'kubelet'));
  serve(KUBELET, kubelet);
  const archiveDir = join(workspace, 'archive', 'cri-dockerd');
  mkdirSync(archiveDir, { recursive: true });
  writeFileSync(join(archiveDir, 'cri-dockerd'), readFileSync(join(STAND_IN_BINARIES, 'cri-dockerd')), { mode: 0o755 });
  mkdirSync(dirname(served(ARCHIVE)), { recursive: true });
  expect(run('tar', ['-czf', served(ARCHIVE), '-C', join(workspace, 'archive'), 'cri-dockerd']).status).toBe(0);
  // The mirror runs in its own process: the tests run nx synchronously, which would stall an in-process server.
  const port = await freePort();
  server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '0.0.0.0', '--directory', join(workspace, 'mirror')], { stdio: 'ignore' });
  // Build containers reach the host through the bridge's gateway.
  const gateway = run('docker', ['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}']).stdout.trim();
  mirror = `http://${gateway}:${port}`;

  expect(nx(workspace, ['g', 'nx-kubelet:kubelet-node', name, '--binarySource=release', KICBASE_FLAG]).status).toBe(0);
});

afterAll(async () => {
  server?.kill();
  removeProject(name);
  removeWorkspace(workspace);
});

/** Sets build args in the node's compose file, as a user would (the Document API keeps comments). */
function setBuildArgs(args: Record<string, string>): void {
  const path = join(workspace, 'packages', name, 'compose.yaml');
  const document = parseDocument(readFileSync(path, 'utf8'));
  for (const [key, value] of Object.entries(args)) document.setIn(['services', name, 'build', 'args', key], value);
  writeFileSync(path, document.toString());
}

const build = () => {
  const result = nx(workspace, ['run', `${name}:build`]);
  return { status: result.status, text: `${result.stdout}${result.stderr}` };
};

it('pins the real cri-dockerd v0.3.21 checksum in the generated Dockerfile', () => {
  const dockerfile = readFileSync(join(workspace, 'packages', name, 'Dockerfile.kicbase'), 'utf8');
  expect(dockerfile).toContain('\nARG CRI_DOCKERD_SHA256_AMD64=6c35838bc4b1aef74f9113670e114ca729a5f295f9457b226791e18e86e91698\n');
});

it('fails the build when the kubelet does not match its pinned checksum (the real one of the release)', () => {
  setBuildArgs({ KUBE_RELEASE_URL: `${mirror}/k8s`, CRI_DOCKERD_RELEASE_URL: `${mirror}/cri-dockerd` });
  const { status, text } = build();
  expect(text).toContain('kubelet: FAILED');
  expect(text).not.toContain('cri-dockerd.tgz: OK');
  expect(status).not.toBe(0);
});

it('fails the build when the cri-dockerd archive does not match the pinned checksum', () => {
  setBuildArgs({ KUBELET_SHA256_AMD64: sha256(readFileSync(served(KUBELET))) });
  const { status, text } = build();
  expect(text).toContain('kubelet: OK');
  expect(text).toContain('cri-dockerd.tgz: FAILED');
  expect(text).toMatch(/docker compose build failed with exit code [1-9]/);
  expect(status).not.toBe(0);
});

it('builds from verified downloads when the checksums match', () => {
  setBuildArgs({ CRI_DOCKERD_SHA256_AMD64: sha256(readFileSync(served(ARCHIVE))) });
  const { status, text } = build();
  expect(text).toContain('cri-dockerd.tgz: OK');
  expect(text).not.toMatch(/golang:|cri-dockerd-source|kubelet-source|binaries-local/);
  expect(status).toBe(0);
  const inImage = run('docker', ['run', '--rm', '--entrypoint', 'sha256sum', `nx-kubelet-${name}:${DEFAULT_VERSIONS.kubernetes}`, '/usr/bin/kubelet']);
  expect(inImage.stdout).toContain(sha256(readFileSync(served(KUBELET))));
});

it('boots: the downloaded binaries run in the node (up until healthy, then down)', () => {
  const up = nx(workspace, ['run', `${name}:up`]);
  expect(`${up.stdout}${up.stderr}`).toMatch(/kubelet healthy after \d+ s/);
  expect(up.status).toBe(0);
  expect(nx(workspace, ['run', `${name}:down`, '--volumes']).status).toBe(0);
});

it('does not download again after kubelet.yaml, a unit or a manifest changed: only the configuration layers rebuild', () => {
  const nodeDir = join(workspace, 'packages', name);
  // A unique edit: BuildKit's cache is keyed by content and shared by every build on this engine.
  writeFileSync(join(nodeDir, 'kubelet.yaml'), `${readFileSync(join(nodeDir, 'kubelet.yaml'), 'utf8')}maxPods: 50 # edited at ${Date.now()}\n`);
  writeFileSync(
    join(nodeDir, 'manifests', 'extra.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: extra\nspec:\n  containers:\n    - name: c\n      image: busybox\n',
  );
  const { status, text } = build();
  expect(status).toBe(0);
  expect(text).toMatch(/#\d+ \[[^\]]*binaries-release 3\/3\] RUN set -eu;[^\n]*\n#\d+ CACHED/);
  expect(text).not.toContain('kubelet: OK');
  expect(text).toMatch(/\[[^\]]*stage-\d+ \d\/\d\] COPY kubelet.yaml \/kubelet.yaml\n#\d+ DONE/);
});

it('fails the build when the served kubelet changes after its checksum was pinned', () => {
  serve(KUBELET, Buffer.concat([readFileSync(served(KUBELET)), Buffer.from('\n# tampered\n')]));
  const result = nx(workspace, ['run', `${name}:build`, '--noCache']);
  expect(`${result.stdout}${result.stderr}`).toContain('kubelet: FAILED');
  expect(result.status).not.toBe(0);
});
