/**
 * A version matrix on REAL kubelets (issue 18): `nx g nx-kubelet:matrix` makes one node per Kubernetes version that
 * tools/real-binaries/build.sh built (the oldest, the default and the newest minor), all running one workload (a
 * busybox httpd static pod, the matrix's manifests/) with one kubelet setting (the matrix's kubelet.yaml:
 * `featureGates: {MemoryManager: true}`). That setting is what a person moving a fleet meets: the oldest kubelet takes
 * it silently (a beta gate), the default one warns that the gate is GA and will be removed, and the newest refuses to
 * start ("unrecognized feature gate: MemoryManager"). `nx run-many -t up --projects=tag:matrix:<name>` starts them all
 * in parallel; `nx run <matrix>:report` must say exactly that: the pod Running on two versions and not started on the
 * newest, with the kubelet's warning and error, in the terminal, report.json, JUnit XML and an HTML page, which headless
 * Chromium opens as a person would (its text, and the colours of its cells in a screenshot).
 *
 * STAND-INS and test-only parts, as in conformance.test.ts: the kicbase stand-in base image, locally built pause and
 * workload images, and the TEST-ONLY runc wrapper baked into each node's image (these VMs lack CAP_SYS_RESOURCE).
 * Everything else is real; a missing binary, image or Chromium fails the test.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNETES_MINORS } from 'kubelet-node';
import { KICBASE_FLAG, removeProject, requireEngine } from './support/engine';
import { readPng } from './support/png';
import { bakeRuncOomClamp, httpdManifest, putRealBinaries, readRealBinaries, RealKubelet } from './support/real-node';
import { run } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

const suffix = process.pid.toString(36);
const matrix = `mx${suffix}`;
const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;
const minorNumber = (minor: string) => Number(minor.split('.')[1]);

const index = readRealBinaries();
const byMinor = [...index.kubelets].sort((a, b) => minorNumber(a.minor) - minorNumber(b.minor));
const oldest = byMinor[0];
const newest = byMinor[byMinor.length - 1];
const fallback = byMinor.find((kubelet) => kubelet.minor === index.defaultMinor);
const criDockerd = [...index.criDockerd].sort((a, b) => a.version.localeCompare(b.version, undefined, { numeric: true })).at(-1)!;
const memberOf = (kubelet: RealKubelet) => `${matrix}-${kubelet.minor.replace('.', '-')}`;

let workspace: string;
let matrixDir: string;
const reportDir = () => join(matrixDir, 'report');

beforeAll(() => {
  requireEngine();
  if (!fallback) throw new Error(`the real binaries have no kubelet of the default minor ${index.defaultMinor}: run tools/real-binaries/build.sh`);
  if (new Set([oldest.minor, index.defaultMinor, newest.minor]).size !== 3)
    throw new Error(`the matrix test needs three minors (oldest, default, newest); the real binaries have ${byMinor.map((k) => k.version).join(', ')}`);
  if (run('chromium', ['--version']).status !== 0) throw new Error('Debian chromium is missing: run tools/chromium/ensure.sh');
  workspace = copyWorkspace();
  matrixDir = join(workspace, 'packages', matrix);
});

afterAll(() => {
  if (process.env.NX_KUBELET_KEEP_REPORT && existsSync(reportDir())) cpSync(reportDir(), process.env.NX_KUBELET_KEEP_REPORT, { recursive: true });
  for (const kubelet of [oldest, fallback!, newest]) removeProject(memberOf(kubelet));
  removeWorkspace(workspace);
});

it('nx g nx-kubelet:matrix makes one tagged node per version, with the shared workload and setting copied into each', () => {
  const unknown = [oldest, fallback!, newest].some(
    (kubelet) => !KUBERNETES_MINORS.some((m) => m.minor === kubelet.minor && Number(kubelet.version.split('.')[2]) <= m.latestPatch),
  );
  const generated = nx(workspace, [
    'g',
    'nx-kubelet:matrix',
    matrix,
    `--kubeVersions=${[oldest, fallback!, newest].map((k) => k.version).join(',')}`,
    `--criDockerdVersions=${criDockerd.version}`,
    '--binarySource=local',
    KICBASE_FLAG,
    '--examplePod=false',
    ...(unknown ? ['--allowUnknownVersions'] : []),
  ]);
  expect(generated.status).toBe(0);
  for (const kubelet of [oldest, fallback!, newest]) {
    const dir = join(matrixDir, kubelet.minor.replace('.', '-'));
    expect(output(generated)).toContain(`CREATE packages/${matrix}/${kubelet.minor.replace('.', '-')}/Dockerfile.kicbase`);
    putRealBinaries(dir, kubelet, criDockerd);
    bakeRuncOomClamp(dir, 'matrix.test.ts');
  }
  // The workload and the setting, written once, in the matrix's folder.
  writeFileSync(join(matrixDir, 'manifests', 'httpd.yaml'), httpdManifest(index.workloadImage, 'httpd'));
  writeFileSync(
    join(matrixDir, 'kubelet.yaml'),
    ['apiVersion: kubelet.config.k8s.io/v1beta1', 'kind: KubeletConfiguration', 'featureGates:', '  MemoryManager: true', ''].join('\n'),
  );
  const shown = nx(workspace, ['show', 'projects', `--projects=tag:matrix:${matrix}`, '--json']);
  expect(JSON.parse(shown.stdout).sort()).toEqual([oldest, fallback!, newest].map(memberOf).sort());
});

it("nx sync copies the matrix's workload and setting into every node; up would not run before it, in a terminal or in CI", () => {
  // Outside CI, Nx runs the sync check of up's sync generator first (non-interactive: it stops).
  const stale = nx(workspace, ['run', `${memberOf(oldest)}:up`], { CI: 'false' });
  expect(output(stale)).toContain('The workspace is out of sync');
  expect(stale.status).not.toBe(0);
  // In CI Nx skips that check; up itself refuses a matrix node whose copies are behind, before it builds anything.
  const staleInCi = nx(workspace, ['run', `${memberOf(oldest)}:up`], { CI: 'true' });
  expect(output(staleInCi)).toContain(`is a node of matrix "${matrix}", and its copies of the matrix's manifests and settings are behind`);
  expect(output(staleInCi)).toContain('manifests/httpd.yaml: not copied yet');
  expect(output(staleInCi)).toContain('`nx sync`');
  expect(output(staleInCi)).not.toContain('exporting to image');
  expect(staleInCi.status).not.toBe(0);
  // What a pipeline runs to stop on an out-of-sync workspace.
  expect(nx(workspace, ['sync:check'], { CI: 'true' }).status).not.toBe(0);
  const sync = nx(workspace, ['sync']);
  expect(sync.status).toBe(0);
  for (const kubelet of [oldest, fallback!, newest]) {
    const dir = join(matrixDir, kubelet.minor.replace('.', '-'));
    expect(readFileSync(join(dir, 'manifests', 'httpd.yaml'), 'utf8')).toMatch(/^# Copied from \.\.\/manifests\/httpd\.yaml/);
    expect(readFileSync(join(dir, 'kubelet.conf.d', '50-matrix.conf'), 'utf8')).toContain('MemoryManager: true');
  }
});

it('nx run-many -t up starts them all; the newest kubelet refuses the setting, so its node never gets healthy', () => {
  const up = nx(workspace, ['run-many', '-t', 'up', `--projects=tag:matrix:${matrix}`, '--parallel=3', '--timeout=100', '--podTimeout=120']);
  expect(up.status).not.toBe(0);
  // Nx lists the failed tasks: the newest node's only.
  const failed = output(up).split('Failed tasks:')[1] ?? '';
  expect(failed).toContain(`- ${memberOf(newest)}:up`);
  for (const kubelet of [oldest, fallback!]) expect(failed).not.toContain(`- ${memberOf(kubelet)}:up`);
});

describe('the report', () => {
  let report: ReportJson;
  let reportRun: ReturnType<typeof nx>;

  beforeAll(() => {
    reportRun = nx(workspace, ['run', `${matrix}:report`, `--outputPath=packages/${matrix}/report`]);
    report = JSON.parse(readFileSync(join(reportDir(), 'report.json'), 'utf8'));
  });

  it('fails (a pod failed on one version) and prints the table: pods as rows, versions as columns', () => {
    expect(reportRun.status).not.toBe(0);
    const text = output(reportRun);
    for (const kubelet of [oldest, fallback!, newest]) expect(text).toContain(kubelet.version);
    expect(text).toMatch(/httpd/);
  });

  it('report.json says the pod runs on the oldest and default versions and why it does not on the newest', () => {
    expect(report.schema).toBe('kubelet-node/report/v1');
    expect(report.ok).toBe(false);
    const nodeOf = (kubelet: RealKubelet) => report.nodes.find((node) => node.name === memberOf(kubelet))!;
    const httpd = (kubelet: RealKubelet) => nodeOf(kubelet).pods.find((pod) => pod.key.includes('httpd'));
    for (const kubelet of [oldest, fallback!]) {
      const node = nodeOf(kubelet);
      expect(node.running.kubelet).toContain(kubelet.version);
      expect(node.kubelet.healthy).toBe(true);
      expect(httpd(kubelet)).toMatchObject({ outcome: 'ready', phase: 'Running' });
      expect(typeof httpd(kubelet)?.readyAfterSeconds).toBe('number');
    }
    const gaWarning = nodeOf(fallback!).messages.find((message) => /Setting GA feature gate MemoryManager=true/.test(message.text));
    expect(gaWarning).toMatchObject({ severity: 'warning', category: 'feature-gate' });
    expect(JSON.stringify(nodeOf(oldest).messages)).not.toMatch(/MemoryManager/);
    const failed = nodeOf(newest);
    expect(failed.kubelet.healthy).toBe(false);
    expect(['failed', 'missing', 'unknown']).toContain(httpd(newest)?.outcome);
    const refusal = failed.messages.find((message) => /unrecognized feature gate: MemoryManager/.test(message.text));
    expect(refusal).toMatchObject({ severity: 'error', category: 'config-rejected' });
  });

  it('junit.xml has a test case per pod and version, and the failed one says why', () => {
    const junit = readFileSync(join(reportDir(), 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)?.length).toBe(3);
    expect(junit.match(/<testcase /g)?.length).toBeGreaterThanOrEqual(3);
    const failures = [...junit.matchAll(/<failure [\s\S]*?<\/failure>/g)].map((match) => match[0]);
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.join('\n')).toMatch(/unrecognized feature gate: MemoryManager/);
    // The two versions the pod runs on have no failure in their suites.
    for (const kubelet of [oldest, fallback!]) {
      const suite = new RegExp(`<testsuite [^>]*name="[^"]*${memberOf(kubelet)}[^"]*"[^>]*failures="0"`);
      expect(junit).toMatch(suite);
    }
  });

  it('the HTML page, opened in headless Chromium, shows versions as columns, the failed cell, and the kubelet message one click away', () => {
    const html = join(reportDir(), 'report.html');
    const dom = run('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${html}`]);
    expect(dom.status).toBe(0);
    const headers = [...dom.stdout.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((match) => match[1].replace(/<[^>]+>/g, ' '));
    for (const kubelet of [oldest, fallback!, newest]) expect(headers.join(' ')).toContain(kubelet.version);
    expect(dom.stdout).toMatch(/<details[\s\S]*unrecognized feature gate: MemoryManager[\s\S]*<\/details>/);
    const screenshot = join(reportDir(), 'report.png');
    mkdirSync(reportDir(), { recursive: true });
    const shot = run('chromium', [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--window-size=1200,700',
      `--screenshot=${screenshot}`,
      `file://${html}`,
    ]);
    expect(shot.status).toBe(0);
    // What a person sees: in the pods' row, green cells (ready) beside a red one (the newest version's).
    const png = readPng(screenshot);
    const greenish = ([r, g, b]: number[]) => g - r >= 25 && g - b >= 25;
    const reddish = ([r, g, b]: number[]) => r - g >= 25 && r - b >= 25;
    let rowsWithBoth = 0;
    for (let y = 0; y < png.height; y++) {
      let green = 0;
      let red = 0;
      for (let x = 0; x < png.width; x++) {
        const pixel = png.at(x, y);
        if (greenish(pixel)) green++;
        else if (reddish(pixel)) red++;
      }
      if (green > 100 && red > 50) rowsWithBoth++;
    }
    expect(rowsWithBoth).toBeGreaterThan(10);
  });
});

interface ReportJson {
  schema: string;
  ok: boolean;
  nodes: {
    name: string;
    running: { kubelet?: string };
    kubelet: { healthy: boolean };
    messages: { severity: string; category: string; text: string }[];
    pods: { key: string; outcome: string; phase?: string; readyAfterSeconds?: number }[];
  }[];
}
