/**
 * `kubelet-node report` against a real engine, through the CLI (the built package): one node with a pod the kubelet
 * reports Running and ready and one it reports Pending (exit 0; report.json, junit.xml and report.html written), then
 * a pod of manifests/ the node does not have (MISSING, exit 1), then the kubelet stopped (NOT healthy, exit 1).
 *
 * STAND-INS, as in status.test.ts: a copy of the example node with binarySource=local and the stand-in kubelet (which
 * serves /healthz and the read-only /pods, reports a pod with the annotation nx-kubelet.test/stand-in-phase: Running
 * as Running and ready and the others Pending, and answers --version with v0.0.0-stand-in) and cri-dockerd, on the
 * kicbase stand-in. Everything report does is real: the one docker exec, its script in the node, journalctl, /proc.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KICBASE_STAND_IN, removeProject, requireEngine, STAND_IN_BINARIES } from './support/engine';
import { run, runOk } from './support/validators';
import { REPO_ROOT } from './support/workspace';

const node = `it-report-${process.pid.toString(36)}`;
const cli = join(REPO_ROOT, 'packages/kubelet-node/bin/kubelet-node.js');
let workspace: string;
let dir: string;

const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;
const kubeletNode = (operation: string, ...args: string[]) => run(process.execPath, [cli, operation, node, ...args], { cwd: workspace });
const folder = () => join(workspace, 'dist', 'kubelet-report', node);
const reportJson = () => JSON.parse(readFileSync(join(folder(), 'report.json'), 'utf8'));
const cells = () => Object.fromEntries(reportJson().nodes[0].pods.map((pod: { key: string; outcome: string }) => [pod.key, pod.outcome]));

beforeAll(() => {
  requireEngine();
  workspace = mkdtempSync(join(tmpdir(), 'nx-kubelet-report-'));
  dir = join(workspace, node);
  cpSync(join(REPO_ROOT, 'packages/example-node'), dir, { recursive: true });
  const composePath = join(dir, 'compose.yaml');
  writeFileSync(
    composePath,
    readFileSync(composePath, 'utf8')
      .replace(/^name: .*$/m, `name: ${node}`)
      .replace(/BINARY_SOURCE: source.*$/m, `BINARY_SOURCE: local\n        KICBASE_IMAGE: ${KICBASE_STAND_IN}`)
      .replace(/image: nx-kubelet-example-node:/, `image: nx-kubelet-${node}:`),
  );
  writeFileSync(
    join(dir, 'manifests', 'web.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    nx-kubelet.test/stand-in-phase: Running\nspec:\n  containers:\n    - name: httpd\n      image: busybox:1.36\n',
  );
  mkdirSync(join(dir, 'bin'));
  for (const binary of ['kubelet', 'cri-dockerd']) copyFileSync(join(STAND_IN_BINARIES, binary), join(dir, 'bin', binary));
});

afterAll(() => {
  removeProject(node);
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('report of one node', () => {
  it('a pod running and one pending: the three files, the table, exit 0', () => {
    expect(kubeletNode('up', '--waitForPods=false').status).toBe(0);
    const result = kubeletNode('report', '--wait=20');
    const text = output(result);
    expect(text).toContain(`report: OK: 1 node, 2 pods; 1 ready, 1 pending (written to dist/kubelet-report/${node})`);
    expect(text).toMatch(new RegExp(`^default/web +ready( \\d+(\\.\\d)?s)?$`, 'm'));
    expect(text).toMatch(/^default\/hello-world +pending$/m);
    expect(result.status).toBe(0);

    const written = reportJson();
    expect(written).toMatchObject({ schema: 'kubelet-node/report/v1', ok: true });
    expect(written.nodes[0]).toMatchObject({
      name: node,
      problems: [],
      running: { kubelet: 'v0.0.0-stand-in', criDockerd: 'v0.0.0-stand-in', docker: expect.stringMatching(/^\d+\.\d+/) },
      declared: { kubelet: 'v1.34.11', criDockerd: 'v0.3.21' },
      kubelet: { healthy: true, unit: 'active', podsRead: true },
      container: { state: 'running', startedAt: expect.stringMatching(/^\d{4}-/) },
    });
    expect(cells()).toEqual({ 'default/hello-world': 'pending', 'default/web': 'ready' });
    // The stand-in timestamps the pod when it first lists it: after the container started, within the test's time.
    const web = written.nodes[0].pods.find((pod: { key: string }) => pod.key === 'default/web');
    expect(web.readyAfterSeconds).toBeGreaterThanOrEqual(-1);
    expect(web.readyAfterSeconds).toBeLessThan(600);

    const junit = readFileSync(join(folder(), 'junit.xml'), 'utf8');
    expect(junit).toContain(`<testsuite name="${node} (kubelet v0.0.0-stand-in, cri-dockerd v0.0.0-stand-in)" tests="3" failures="0"`);
    expect(junit).not.toContain('<failure');
    const html = readFileSync(join(folder(), 'report.html'), 'utf8');
    expect(html).toContain(`<div class="node">${node}</div>`);
    expect(html).toMatch(/<td class="ok" data-outcome="ready"><details><summary>ready/);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('a pod of manifests/ the node does not have: MISSING in every file, exit 1', () => {
    writeFileSync(
      join(dir, 'manifests', 'later.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: later\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n',
    );
    const result = kubeletNode('report');
    expect(output(result)).toMatch(/^default\/later +MISSING$/m);
    expect(result.status).toBe(1);
    expect(cells()['default/later']).toBe('missing');
    expect(readFileSync(join(folder(), 'junit.xml'), 'utf8')).toContain(
      '<failure type="missing" message="MISSING: not started: its file later.yaml is not in the node&apos;s static pod folder (apply manifests/: kubelet-node apply',
    );
    expect(readFileSync(join(folder(), 'report.html'), 'utf8')).toMatch(/<td class="bad" data-outcome="missing"><details><summary>MISSING/);
    rmSync(join(dir, 'manifests', 'later.yaml'));
  });

  it('the kubelet stopped: the node NOT healthy, its pods not started, exit 1', () => {
    const id = runOk('docker', ['ps', '--quiet', '--no-trunc', '--filter', `label=com.docker.compose.project.working_dir=${dir}`]).trim();
    runOk('docker', ['exec', id, 'systemctl', 'stop', 'kubelet.service']);
    const result = kubeletNode('report');
    expect(output(result)).toMatch(new RegExp(`^${node}: kubelet NOT healthy \\(kubelet\\.service (inactive|failed)\\)`, 'm'));
    expect(result.status).toBe(1);
    expect(reportJson().nodes[0].kubelet.healthy).toBe(false);
    expect(cells()).toEqual({ 'default/hello-world': 'missing', 'default/web': 'missing' });
  });
});
