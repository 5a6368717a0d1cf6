import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeContext, NodeRef } from './node-context';
import { collectNodeReport, report, REPORT_MARKER, reportNodes, versionIn } from './report';
import type { Report } from './report-render';

let root: string;
let logged: string[];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'report-'));
  logged = [];
  jest.spyOn(console, 'info').mockImplementation((message: string) => void logged.push(message));
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

const MANIFEST = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n`;

/**
 * A node folder with manifests web and db, and a stand-in docker CLI that runs REPORT_SCRIPT as the node would, with
 * stand-in curl, kubelet, cri-dockerd, docker, systemctl, journalctl and hostname: the kubelet healthy (or not) and
 * listing web Running and ready.
 */
function fakeNode(healthy = true): { node: NodeContext; calls: () => string[] } {
  const dir = join(root, 'nodes', 'n1');
  const bin = join(root, 'bin');
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(dir, 'manifests', 'web.yaml'), MANIFEST('web'));
  writeFileSync(join(dir, 'manifests', 'db.yaml'), MANIFEST('db'));
  const pods = {
    items: [
      {
        metadata: { name: 'web-node1', namespace: 'default' },
        spec: { nodeName: 'node1', containers: [{ name: 'c' }] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
          containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }],
        },
      },
    ],
  };
  writeFileSync(join(bin, 'pods.json'), JSON.stringify(pods, null, 2));
  writeFileSync(
    join(bin, 'journal'),
    [
      'W1202 10:00:00.000000     123 feature_gate.go:351] Setting GA feature gate KubeletCgroupDriverFromCRI=true. It will be removed in a future release.',
      // A journal line that looks like a marker of another run: never taken for an answer.
      '@@report 000000000000 end 0',
      'Flag --pod-infra-container-image has been deprecated, will be removed in 1.35.',
      'E1202 10:00:05.000000     123 file.go:187] "Could not process manifest file" err="invalid pod" pod="default/db-node1"',
    ].join('\n'),
  );
  const scripts: Record<string, string> = {
    // curl: the nonce from --write-out, /healthz then (with --next) /pods, as the real one writes them.
    curl: `n=; for a in "$@"; do case "$a" in *@@report*) n=$(printf '%s' "$a" | sed 's/.*@@report \\([0-9a-f]*\\) .*/\\1/');; esac; done
${healthy ? `printf 'ok\\n@@report %s healthz 200\\n' "$n"` : `printf '\\n@@report %s healthz 000\\n' "$n"`}
case "$*" in *--next*) ${healthy ? `cat '${bin}/pods.json'; printf '\\n@@report %s pods 200\\n' "$n"` : `printf '\\n@@report %s pods 000\\n' "$n"`};; esac`,
    kubelet: 'echo "Kubernetes v1.34.4"',
    'cri-dockerd': 'echo "cri-dockerd 0.3.17 (483e3b6)"',
    systemctl: `case "$1" in is-active) echo ${healthy ? 'active' : 'activating'}; exit ${healthy ? 0 : 3};; show) echo 5;; esac`,
    journalctl: `printf '%s\\n' "$*" > '${bin}/journalctl-args'; cat '${bin}/journal'`,
    hostname: 'echo node1',
    // docker: the node's own (`docker version` in the node), or the host's CLI running the script.
    docker: `if [ "$1" = version ]; then echo 26.1.5; exit 0; fi
printf '%s\\n' "$1 $2" >> '${bin}/docker-calls'
shift 4; script=$1; shift 2
PATH='${bin}':$PATH exec sh -c "$script" sh "$@"`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const node = {
    name: 'n1',
    dir,
    displayDir: 'nodes/n1',
    workspaceRoot: root,
    engine: 'the default engine',
    command: (operation: string) => `kubelet-node ${operation} nodes/n1`,
    composeProject: 'n1-12345678',
    containerAtLoad: { id: 'c0ffee0123456789', name: 'n1-n1-1', state: 'running' },
    target: { command: join(bin, 'docker') },
    buildArgs: { KUBE_VERSION: 'v1.34.4', CRI_DOCKERD_VERSION: 'v0.3.17', KICBASE_VERSION: 'v0.0.47' },
    kubelet: { healthzPort: 10248, readOnlyPort: 10255, port: 10250, staticPodPath: join(root, 'static-pods') },
  } as unknown as NodeContext;
  return { node, calls: () => readFileSync(join(bin, 'docker-calls'), 'utf8').trim().split('\n') };
}

describe('collectNodeReport', () => {
  it('asks the node everything in one docker exec: versions, unit, health, pods (web ready, db missing), classified journal since the start', async () => {
    const { node, calls } = fakeNode();
    const collected = await collectNodeReport(node);
    expect(calls()).toEqual(['exec c0ffee0123456789']);
    expect(collected.problems).toEqual([]);
    expect(collected.running).toEqual({ kubelet: 'v1.34.4', criDockerd: 'v0.3.17', docker: '26.1.5' });
    expect(collected.declared).toMatchObject({ kubelet: 'v1.34.4', criDockerd: 'v0.3.17', kicbase: 'v0.0.47' });
    expect(collected.kubelet).toEqual({ healthy: true, unit: 'active', restarts: 5, podsRead: true });
    expect(collected.container?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(collected.pods.map((pod) => [pod.key, pod.outcome, pod.kubeletName])).toEqual([
      ['default/db', 'missing', undefined],
      ['default/web', 'ready', 'default/web-node1'],
    ]);
    expect(collected.pods[0].reason).toBe(
      "not started: its file db.yaml is not in the node's static pod folder (apply manifests/: kubelet-node apply nodes/n1)",
    );
    expect(typeof collected.pods[1].readyAfterSeconds).toBe('number');
    expect(collected.messages.map((message) => [message.category, message.severity])).toEqual([
      ['feature-gate', 'warning'],
      ['deprecated', 'warning'],
      ['other', 'error'],
    ]);
    // The missing pod's own message, by the name the kubelet would give it.
    expect(collected.pods[0].messages?.map((message) => message.text)).toEqual(['"Could not process manifest file" err="invalid pod" pod="default/db-node1"']);
    expect(collected.pods[1].messages).toBeUndefined();
    const args = readFileSync(join(root, 'bin', 'journalctl-args'), 'utf8');
    expect(args).toMatch(/--unit kubelet\.service --since=@\d+\n/);
  });

  it("a pod whose file is in the node's static pod folder but the kubelet does not list: missing, the kubelet's messages named", async () => {
    const { node } = fakeNode();
    mkdirSync(join(root, 'static-pods'));
    for (const file of ['web.yaml', 'db.yaml', '.hidden']) writeFileSync(join(root, 'static-pods', file), '');
    const collected = await collectNodeReport(node);
    expect(collected.pods[0]).toMatchObject({
      key: 'default/db',
      outcome: 'missing',
      reason: "not started: the kubelet does not list it although its file is in the node (see the kubelet's messages)",
    });
  });

  it('a kubelet that is not healthy: the node is reported so, its pods not started', async () => {
    const { node } = fakeNode(false);
    const collected = await collectNodeReport(node);
    expect(collected.kubelet).toMatchObject({ healthy: false, unit: 'activating', podsRead: false });
    expect(collected.problems[0]).toMatch(/^kubelet NOT healthy \(\/healthz did not answer; kubelet\.service activating\)/);
    expect(collected.pods.map((pod) => [pod.key, pod.outcome])).toEqual([
      ['default/db', 'missing'],
      ['default/web', 'missing'],
    ]);
    expect(collected.pods[0].reason).toMatch(/^not started: the kubelet is not running/);
  });

  it('a stopped container: no docker command, reported as such', async () => {
    const { node } = fakeNode();
    (node as { containerAtLoad: unknown }).containerAtLoad = { id: 'c0ffee', name: 'n1-n1-1', state: 'exited' };
    const collected = await collectNodeReport(node);
    expect(existsSync(join(root, 'bin', 'docker-calls'))).toBe(false);
    expect(collected.problems).toEqual(['container exited (start it: kubelet-node up nodes/n1)']);
    expect(collected.pods.every((pod) => pod.outcome === 'missing')).toBe(true);
  });
});

describe('report', () => {
  const read = (folder: string) => JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as Report;

  it('writes report.json, junit.xml and report.html into dist/kubelet-report/<node>, prints the table; false with a pod missing', async () => {
    const { node } = fakeNode();
    expect(await report(node, {})).toBe(false);
    const folder = join(root, 'dist', 'kubelet-report', 'n1');
    expect(readdirSync(folder).sort()).toEqual([REPORT_MARKER, 'junit.xml', 'report.html', 'report.json']);
    expect(read(folder)).toMatchObject({ schema: 'kubelet-node/report/v1', ok: false, pods: ['default/db', 'default/web'] });
    expect(readFileSync(join(folder, 'junit.xml'), 'utf8')).toContain('<failure type="missing"');
    expect(logged.join('\n')).toMatch(/^report: FAILED: 1 node, 2 pods; 1 ready, 1 MISSING \(written to dist\/kubelet-report\/n1\)/);
    expect(readdirSync(join(root, 'dist', 'kubelet-report'))).toEqual(['n1']); // nothing left beside it

    // Every pod there: true, and the next report replaces the previous one.
    rmSync(join(node.dir, 'manifests', 'db.yaml'));
    expect(await report(node, {})).toBe(true);
    expect(read(folder)).toMatchObject({ ok: true, pods: ['default/web'] });
  });

  it('refuses an output folder with files report did not write, before anything runs, and leaves it as it was', async () => {
    const { node } = fakeNode();
    const mine = join(root, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep');
    expect(() => report.check!(node, { outputPath: mine })).toThrow(`mine is not empty and report did not write it (no ${REPORT_MARKER} in it)`);
    await expect(report(node, { outputPath: mine })).rejects.toThrow('is not empty and report did not write it');
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    expect(existsSync(join(root, 'bin', 'docker-calls'))).toBe(false);
  });
});

describe('reportNodes', () => {
  const ref = (name: string, dir: string): NodeRef => ({ name, dir, workspaceRoot: root, command: (operation) => `kubelet-node ${operation} ${dir}` });

  it('a node that cannot be loaded is a column that says why, and the report fails (exit code 1); files still written', async () => {
    const ok = await reportNodes([ref('gone1', join(root, 'gone1')), ref('gone2', join(root, 'gone2'))], { outputPath: 'out' });
    expect(ok).toBe(false);
    const written = JSON.parse(readFileSync(join(root, 'out', 'report.json'), 'utf8')) as Report;
    expect(written.nodes.map((node) => [node.name, node.problems[0]])).toEqual([
      ['gone1', `could not be read: ${join(root, 'gone1')}: no such folder.`],
      ['gone2', `could not be read: ${join(root, 'gone2')}: no such folder.`],
    ]);
    expect(written.summary).toBe('FAILED: 2 nodes, 0 pods; no pod cells; 2 nodes not healthy or not read in full');
  });

  it('refuses bad options and a node given twice before anything is written', async () => {
    await expect(reportNodes([ref('a', root)], { wait: -1 })).rejects.toThrow('--wait is at least 0, not -1.');
    await expect(reportNodes([ref('a', root)], { outputPth: 'x' } as object)).rejects.toThrow(
      '--outputPth is not an option of report: did you mean --outputPath?',
    );
    await expect(reportNodes([ref('a', root), ref('a', root)])).rejects.toThrow('the node a is given twice');
    await expect(reportNodes([{ ...ref('a', root), connection: { engine: 'lxc' } }])).rejects.toThrow('--engine "lxc" is not one of docker, podman.');
    await expect(reportNodes([{ ...ref('a', root), connection: { dockerHots: 'x' } as object }])).rejects.toThrow(
      '--dockerHots is not an option of report (node a): did you mean --dockerHost?',
    );
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });
});

it('versionIn reads what kubelet and cri-dockerd print', () => {
  expect(versionIn('Kubernetes v1.34.4')).toBe('v1.34.4');
  expect(versionIn('cri-dockerd 0.3.17 (483e3b6)')).toBe('v0.3.17');
  expect(versionIn('sh: kubelet: not found')).toBeUndefined();
});
