/**
 * Day-2 operations on ONE running node with the REAL kubelet and cri-dockerd (tools/real-binaries/build.sh), through
 * `nx run` in a workspace copy on the real engine: an image built by a workspace project (declared in its
 * metadata["nx-kubelet"].images) is a dependency of the node in the project graph, is built before `up`, loaded into
 * the node and runs as a static pod; `up` waits for it; status, logs --pod, load, apply (add, change, remove, an
 * invalid manifest refused, --watch stopped with Ctrl-C) and export-logs on a healthy and on a failing node.
 *
 * STAND-INS and test-only parts, said plainly (as in conformance.test.ts): the kicbase base image is the local
 * stand-in; the pause and workload images are the ones build.sh built locally (no registry); and the node's image
 * gets the TEST-ONLY runc wrapper (tools/real-binaries/runc-oom-clamp) as its dockerd's default runtime, because these
 * VMs lack CAP_SYS_RESOURCE. Everything else is real. Missing binaries or images fail the tests; nothing is skipped.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KICBASE_FLAG, removeProject, requireEngine } from './support/engine';
import { httpdManifest, kubeletPods, nodeSh, pollFor, readRealBinaries, putRealBinaries, bakeRuncOomClamp, realNodeArgs } from './support/real-node';
import { run } from './support/validators';
import { copyWorkspace, nx, REPO_ROOT, removeWorkspace } from './support/workspace';

const suffix = process.pid.toString(36);
const node = `d2-${suffix}`;
const appImage = `nx-kubelet/day2-app:${suffix}`;
const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;

let workspace: string;
let dir: string;
let container = '';
let workload = '';
let kubeletVersion = '';
let criDockerdVersion = '';

/** The node's container (its compose service is named after the node, which is unique to this run). */
function findContainer(): string {
  return run('docker', ['ps', '--quiet', '--filter', `label=com.docker.compose.service=${node}`]).stdout.trim();
}

/**
 * A manifest of busybox httpd answering `body`, from `image`, that says "started <body>" in its log first. httpd as
 * PID 1 ignores SIGTERM: a short grace period, or every replaced pod would take the default 30 s to stop.
 */
function httpd(name: string, body: string, image = workload): string {
  return httpdManifest(image, name, body)
    .replace('mkdir -p /www', `echo started-${body}; mkdir -p /www`)
    .replace('spec:\n', 'spec:\n  terminationGracePeriodSeconds: 1\n');
}

function writeManifest(file: string, text: string): void {
  writeFileSync(join(dir, 'manifests', `.${file}.tmp`), text);
  // The test's own editor: atomic, so that a watching apply never reads half a file.
  renameSync(join(dir, 'manifests', `.${file}.tmp`), join(dir, 'manifests', file));
}

function podIp(name: string): string | undefined {
  const pod = kubeletPods(container).find((p) => p.metadata.name === `${name}-${node}` && p.status?.phase === 'Running');
  return pod?.status?.podIP;
}

function answer(name: string): string {
  const ip = podIp(name);
  return ip ? nodeSh(container, `curl -fsS --max-time 2 http://${ip}:8080/ || true`).trim() : '';
}

/**
 * Processes in the node that an operation started through `docker exec` and that should have ended with it: the
 * predecessor wait (it polls /var/lib/kubelet/pods/), a write (its .nx-kubelet-tmp file), a /pods or /healthz poll,
 * a docker load. (Each pattern has a bracket so that it does not match this very command line.)
 */
function leftoverInNode(): string {
  return nodeSh(container, "ps -eo pid=,args= | grep -E 'kubelet/pod[s]/|nx-kubelet-tm[p]|127[.]0[.]0[.]1:1025[0-9]|docker loa[d]' || true").trim();
}

/** A command started as a terminal's foreground job: its own process group (Ctrl-C is SIGINT to the whole group). */
function startJob(argv: string[]) {
  const child = spawn(argv[0], argv.slice(1), {
    cwd: workspace,
    detached: true,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false', NX_SKIP_NX_CACHE: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const job = { child, text: '', exited: new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))) };
  child.stdout!.on('data', (chunk) => (job.text += chunk));
  child.stderr!.on('data', (chunk) => (job.text += chunk));
  return job;
}

/**
 * Presses Ctrl-C on a job, then reports its exit code (or that it still runs after `waitMs`) and, before any clean-up
 * of ours, what is left of it on this machine (its process group) and in the node (after `settleMs`).
 */
async function interruptJob(job: ReturnType<typeof startJob>, waitMs: number, settleMs = 0): Promise<{ code: unknown; leftHere: string; leftInNode: string }> {
  process.kill(-job.child.pid!, 'SIGINT');
  const code = await Promise.race([job.exited, new Promise((resolve) => setTimeout(() => resolve(`still running after ${waitMs / 1000} s`), waitMs))]);
  const leftHere = run('ps', ['-o', 'pid=,args=', '-g', String(job.child.pid)]).stdout.trim();
  if (settleMs) await new Promise((resolve) => setTimeout(resolve, settleMs));
  return { code, leftHere, leftInNode: leftoverInNode() };
}

/** Ends whatever is left of a job (after its checks). */
function killJob(job: ReturnType<typeof startJob>): void {
  try {
    process.kill(-job.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Files in the node's static pod folder: name → "inode mtime" (to tell an untouched file). */
function nodeFolder(): Record<string, string> {
  // Dotfiles too (a temporary file left behind would be one), except the generator's .gitkeep.
  const listing = nodeSh(
    container,
    'cd /etc/kubernetes/manifests && for f in * .*; do [ -f "$f" ] && [ "$f" != .gitkeep ] && echo "$f $(stat -c "%i %Y.%y" "$f")"; done; true',
  );
  return Object.fromEntries(
    listing
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.split(' ')[0], line.split(' ').slice(1).join(' ')]),
  );
}

beforeAll(() => {
  requireEngine();
  const index = readRealBinaries();
  const kubelet = index.kubelets.find((k) => k.minor === index.defaultMinor)!;
  const criDockerd = index.criDockerd[index.criDockerd.length - 1];
  workload = index.workloadImage;
  kubeletVersion = kubelet.version;
  criDockerdVersion = criDockerd.version;
  workspace = copyWorkspace();
  dir = join(workspace, 'packages', node);

  // A workspace project that builds an image and declares it: the node's manifest runs it.
  const app = join(workspace, 'apps', 'day2-app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'Dockerfile'), `FROM ${workload}\nLABEL org.nx-kubelet.test=day2-${suffix}\nCMD ["true"]\n`);
  writeFileSync(
    join(app, 'project.json'),
    JSON.stringify({
      name: 'day2-app',
      root: 'apps/day2-app',
      metadata: { 'nx-kubelet': { images: [appImage] } },
      targets: { 'docker:build': { executor: 'nx:run-commands', options: { command: `docker build --tag ${appImage} apps/day2-app` }, cache: false } },
    }),
  );

  const generated = nx(workspace, realNodeArgs(node, kubelet, criDockerd, KICBASE_FLAG));
  if (generated.status !== 0) throw new Error(`nx g failed: ${output(generated)}`);
  putRealBinaries(dir, kubelet, criDockerd);
  bakeRuncOomClamp(dir, 'day2.test.ts');
  writeManifest('app.yaml', httpd('app', 'app-v1', appImage));
  // The image of the workspace project must not exist yet: `up` builds it (graph edge + ^docker:build).
  run('docker', ['image', 'rm', '--force', appImage]);
});

afterAll(() => {
  removeProject(node);
  run('docker', ['image', 'rm', '--force', appImage]);
  removeWorkspace(workspace);
});

describe('the project graph knows what the node runs', () => {
  it('the node has the day-2 targets, and depends on the project that declares the image its manifest runs', () => {
    const shown = nx(workspace, ['show', 'project', node, '--json']);
    expect(shown.status).toBe(0);
    const targets = JSON.parse(shown.stdout).targets;
    expect(Object.keys(targets)).toEqual(expect.arrayContaining(['load', 'apply', 'export-logs']));
    expect(targets.up.dependsOn).toContainEqual({ target: 'docker:build', dependencies: true });

    const graphFile = join(workspace, 'graph.json');
    expect(nx(workspace, ['graph', `--file=${graphFile}`]).status).toBe(0);
    const graph = JSON.parse(readFileSync(graphFile, 'utf8')).graph;
    expect(graph.dependencies[node]).toContainEqual({ source: node, target: 'day2-app', type: 'implicit' });
    // Nothing guessed: the example node's manifest runs nginx, which no project declares.
    expect(graph.dependencies['example-node'] ?? []).toEqual([]);
  });

  it('nx affected lists the node when the image project changes, and not when the edge is gone', () => {
    const affected = nx(workspace, ['show', 'projects', '--affected', '--files=apps/day2-app/Dockerfile']);
    expect(affected.status).toBe(0);
    expect(affected.stdout.split('\n')).toEqual(expect.arrayContaining(['day2-app', node]));
    expect(affected.stdout).not.toContain('example-node');
  });
});

describe('one running node with the real kubelet', () => {
  it('up builds the image project first, loads its image and the pause image, and waits until the pod is Running', () => {
    const up = nx(workspace, ['run', `${node}:up`]);
    container = findContainer();
    expect(output(up)).toMatch(/nx run day2-app:"?docker:build/);
    expect(output(up)).toMatch(new RegExp(`${appImage.replace(/[.:/]/g, '\\$&')}: loading into ${node}`));
    expect(output(up)).toMatch(/pods ready after [\d.]+ s; first pod Running [\d.]+ s after start/);
    expect(output(up)).toMatch(new RegExp(`default/app-${node}  Running  1/1 ready`));
    expect(up.status).toBe(0);
    expect(container).toMatch(/^[0-9a-f]{12,}$/);
    expect(answer('app')).toBe('app-v1');
  });

  it('status lists the pod with phase, readiness and restarts', () => {
    const status = nx(workspace, ['run', `${node}:status`]);
    expect(output(status)).toMatch(new RegExp(`default/app-${node}  Running  1/1 ready  0 restarts`));
    expect(status.status).toBe(0);
  });

  it("report: the pod ready with its time from the node's start, the real kubelet's and cri-dockerd's versions, the files; exit 0", () => {
    const reported = nx(workspace, ['run', `${node}:report`]);
    expect(output(reported)).toContain(`report: OK: 1 node, 1 pod; 1 ready (written to dist/kubelet-report/${node})`);
    expect(reported.status).toBe(0);
    const written = JSON.parse(readFileSync(join(workspace, 'dist', 'kubelet-report', node, 'report.json'), 'utf8'));
    const [reportedNode] = written.nodes;
    expect(reportedNode).toMatchObject({
      problems: [],
      running: { kubelet: kubeletVersion, criDockerd: criDockerdVersion },
      declared: { kubelet: kubeletVersion, criDockerd: criDockerdVersion },
      kubelet: { healthy: true, unit: 'active', podsRead: true },
    });
    const [pod] = reportedNode.pods;
    expect(pod).toMatchObject({ key: 'default/app', kubeletName: `default/app-${node}`, outcome: 'ready', ready: '1/1', restarts: 0 });
    // From the container's start to the pod's Ready condition: after systemd, dockerd and the kubelet came up.
    expect(pod.readyAfterSeconds).toBeGreaterThan(0);
    expect(pod.readyAfterSeconds).toBeLessThan(600);
    // The real kubelet's journal was read and classified: it accepted its configuration.
    expect(reportedNode.messages.filter((message: { category: string }) => message.category === 'config-rejected')).toEqual([]);
    const junit = readFileSync(join(workspace, 'dist', 'kubelet-report', node, 'junit.xml'), 'utf8');
    expect(junit).toContain(`<testsuite name="${node} (kubelet ${kubeletVersion}, cri-dockerd ${criDockerdVersion})"`);
    expect(junit).not.toContain('<failure');
  });

  it("logs --pod reads the pod container's log in the node; a wrong container is named", () => {
    const logs = nx(workspace, ['run', `${node}:logs`, '--pod=app']);
    expect(output(logs)).toContain('started-app-v1');
    expect(logs.status).toBe(0);
    const wrong = nx(workspace, ['run', `${node}:logs`, '--pod=app', '--container=nope']);
    expect(output(wrong)).toContain(`Pod app-${node} has no container "nope" (its containers: httpd).`);
    expect(wrong.status).not.toBe(0);
  });

  it('load skips images the node has, loads a named one, and names an image the host lacks', () => {
    const again = nx(workspace, ['run', `${node}:load`]);
    expect(output(again)).toContain(`${appImage}: already in ${node}`);
    expect(again.status).toBe(0);

    nodeSh(container, `docker image rm --force ${workload} >/dev/null 2>&1 || true`);
    const named = nx(workspace, ['run', `${node}:load`, `--images=${workload}`]);
    expect(output(named)).toContain(`${workload}: loading into ${node}`);
    expect(output(named)).toMatch(new RegExp(`${node}: loaded 1 image \\([\\d.]+ MB\\) in [\\d.]+ s`));
    expect(named.status).toBe(0);
    const hostId = run('docker', ['image', 'inspect', '--format', '{{.Id}}', workload]).stdout.trim();
    expect(nodeSh(container, `docker image inspect --format '{{.Id}}' ${workload}`).trim()).toBe(hostId);

    const missing = nx(workspace, ['run', `${node}:load`, `--images=nx-kubelet/not-built:${suffix}`]);
    expect(output(missing)).toContain(`nx-kubelet/not-built:${suffix}: not in the host's Docker engine, so there is nothing to load (load never pulls).`);
    expect(missing.status).not.toBe(0);
  });

  it('apply adds a pod, leaving unchanged files untouched, and waits until it is Running', () => {
    const before = nodeFolder();
    writeManifest('web.yaml', httpd('web', 'web-v1'));
    const applied = nx(workspace, ['run', `${node}:apply`]);
    expect(output(applied)).toContain(`${node}: applied + web.yaml to /etc/kubernetes/manifests (1 unchanged)`);
    expect(output(applied)).toMatch(new RegExp(`default/web-${node}  Running  1/1 ready`));
    expect(applied.status).toBe(0);
    expect(answer('web')).toBe('web-v1');
    const after = nodeFolder();
    expect(after['app.yaml']).toBe(before['app.yaml']);
    expect(Object.keys(after).sort()).toEqual(['app.yaml', 'web.yaml']); // no temporary file left
  });

  it('apply of a changed manifest waits for the new version of the pod: same name, a new UID, its own restart count', () => {
    const web = () => kubeletPods(container).find((p) => p.metadata.name === `web-${node}`);
    const before = web()!;
    writeManifest('web.yaml', httpd('web', 'web-v2'));
    const applied = nx(workspace, ['run', `${node}:apply`]);
    expect(output(applied)).toContain(`applied ~ web.yaml`);
    expect(output(applied)).toMatch(new RegExp(`default/web-${node}  Running  1/1 ready  0 restarts`));
    expect(applied.status).toBe(0);
    expect(answer('web')).toBe('web-v2');
    // The kubelet names a static pod's UID after its manifest: a changed pod is a new pod of the same name.
    const after = web()!;
    expect(after.metadata.namespace).toBe('default');
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(after.metadata.annotations?.['kubernetes.io/config.hash']).toBe(after.metadata.uid);
    expect(kubeletPods(container).filter((p) => p.metadata.name === `web-${node}`)).toHaveLength(1);
    expect(Object.keys(nodeFolder()).sort()).toEqual(['app.yaml', 'web.yaml']); // nothing staged left behind
  });

  it('apply --gracePeriod=0 stops the old version of a changed pod at once instead of after its own grace period', () => {
    // httpd ignores SIGTERM: with its own 60 s the old pod would hold the new one back for a minute, past --timeout=40
    // (the predecessor wait would time out, the new pod would meet the kubelet's back-off and the pod wait would fail).
    const slow = (body: string) => httpd('web', body).replace('terminationGracePeriodSeconds: 1', 'terminationGracePeriodSeconds: 60');
    writeManifest('web.yaml', slow('web-v3'));
    expect(nx(workspace, ['run', `${node}:apply`]).status).toBe(0);
    expect(answer('web')).toBe('web-v3');
    writeManifest('web.yaml', slow('web-v4'));
    const cli = join(workspace, 'node_modules', 'kubelet-node', 'dist', 'cli.js');
    const applied = run(process.execPath, [cli, 'apply', `packages/${node}`, '--gracePeriod=0', '--timeout=40'], { cwd: workspace });
    expect(output(applied)).toMatch(new RegExp(`default/web-${node}  Running  1/1 ready  0 restarts`));
    expect(applied.status).toBe(0);
    expect(answer('web')).toBe('web-v4');
    const bad = run(process.execPath, [cli, 'apply', `packages/${node}`, '--gracePeriod=-1'], { cwd: workspace });
    expect(output(bad)).toContain('--gracePeriod must be a whole number of seconds, 0 or more (got -1).');
    expect(bad.status).not.toBe(0);
    writeManifest('web.yaml', httpd('web', 'web-v2'));
    expect(nx(workspace, ['run', `${node}:apply`, '--gracePeriod=0']).status).toBe(0);
    expect(answer('web')).toBe('web-v2');
  });

  it('an invalid manifest is refused with the file and field named; nothing in the node changes', () => {
    const before = nodeFolder();
    writeManifest('web.yaml', httpd('web', 'web-v3'));
    writeManifest('bad.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\n');
    const refused = nx(workspace, ['run', `${node}:apply`]);
    expect(output(refused)).toContain(`packages/${node}/manifests/bad.yaml: kind is "Deployment", not Pod`);
    expect(refused.status).not.toBe(0);
    rmSync(join(dir, 'manifests', 'bad.yaml'));
    writeManifest('nameless.yaml', 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: c\n      image: x:1\n');
    const nameless = nx(workspace, ['run', `${node}:apply`]);
    expect(output(nameless)).toContain(`packages/${node}/manifests/nameless.yaml: metadata.name is missing`);
    expect(nameless.status).not.toBe(0);
    rmSync(join(dir, 'manifests', 'nameless.yaml'));
    expect(nodeFolder()).toEqual(before);
    expect(answer('web')).toBe('web-v2');
    expect(answer('app')).toBe('app-v1');
  });

  it('apply of a removed manifest removes the file and waits until the pod is gone', () => {
    rmSync(join(dir, 'manifests', 'web.yaml'));
    const applied = nx(workspace, ['run', `${node}:apply`]);
    expect(output(applied)).toContain('applied - web.yaml');
    expect(applied.status).toBe(0);
    expect(Object.keys(nodeFolder())).toEqual(['app.yaml']);
    expect(kubeletPods(container).map((p) => p.metadata.name)).toEqual([`app-${node}`]);
  });

  /**
   * Starts `argv` as a terminal's foreground job (its own process group: Ctrl-C is SIGINT to the whole group), waits
   * until it watches, edits app.yaml to `body`, waits until the new pod answers, presses Ctrl-C; returns its exit
   * code and output, and checks that no process of the group is left.
   */
  async function watchEditInterrupt(argv: string[], body: string): Promise<{ code: unknown; text: string }> {
    const job = startJob(argv);
    let left: Awaited<ReturnType<typeof interruptJob>> = { code: 'not interrupted', leftHere: 'not checked', leftInNode: 'not checked' };
    try {
      await pollFor(
        () => (job.text.includes(`${node}: watching`) && job.text.includes('nothing to apply') ? true : undefined),
        60_000,
        () => job.text,
      );
      writeManifest('app.yaml', httpd('app', body, appImage));
      await pollFor(
        () => (answer('app') === body && /pods ready after/.test(job.text) ? true : undefined),
        90_000,
        () => job.text,
        500,
      );
      left = await interruptJob(job, 30_000);
    } finally {
      killJob(job);
    }
    expect(left.leftHere).toBe('');
    expect(left.leftInNode).toBe('');
    expect(job.text).toMatch(/applied ~ app\.yaml/);
    expect(Object.keys(nodeFolder())).toEqual(['app.yaml']); // no temporary file left behind
    return { code: left.code, text: job.text };
  }

  it('apply --watch (kubelet-node CLI) picks up an edit and stops on Ctrl-C with exit 0, leaving no process', async () => {
    const cli = join(workspace, 'node_modules', 'kubelet-node', 'dist', 'cli.js');
    const { code, text } = await watchEditInterrupt([process.execPath, cli, 'apply', `packages/${node}`, '--watch'], 'app-v2');
    expect(text).toContain(`${node}: stopped watching.`);
    expect(code).toBe(0);
  });

  it('apply --watch through nx picks up an edit; Ctrl-C stops it and its processes (nx reports 130, its code for an interrupted run)', async () => {
    const nxBin = require.resolve('nx/bin/nx', { paths: [REPO_ROOT] });
    const { code } = await watchEditInterrupt([process.execPath, nxBin, 'run', `${node}:apply`, '--watch'], 'app-v3');
    expect(code).toBe(130);
  });

  it('Ctrl-C while apply waits for the kubelet to let go of a replaced pod ends the wait in the node too, and says so', async () => {
    // A pod whose old version takes 20 s to stop (httpd ignores SIGTERM): apply waits for it before writing the new one.
    const slow = (body: string) => httpd('slow', body).replace('terminationGracePeriodSeconds: 1', 'terminationGracePeriodSeconds: 20');
    writeManifest('slow.yaml', slow('slow-v1'));
    const added = nx(workspace, ['run', `${node}:apply`]);
    expect(output(added)).toMatch(new RegExp(`default/slow-${node}  Running  1/1 ready`));
    writeManifest('slow.yaml', slow('slow-v2'));
    const cli = join(workspace, 'node_modules', 'kubelet-node', 'dist', 'cli.js');
    const job = startJob([process.execPath, cli, 'apply', `packages/${node}`]);
    let left: Awaited<ReturnType<typeof interruptJob>> = { code: 'not interrupted', leftHere: 'not checked', leftInNode: 'not checked' };
    try {
      await pollFor(
        () => (leftoverInNode().includes('kubelet/pods/') ? true : undefined),
        30_000,
        () => `no predecessor wait in the node; apply said: ${job.text}`,
      );
      // 1 s after Ctrl-C: the loop in the node notices its closed stdin.
      left = await interruptJob(job, 10_000, 1000);
    } finally {
      killJob(job);
    }
    expect(left.leftHere).toBe('');
    expect(left.leftInNode).toBe('');
    expect(job.text).toContain(`interrupted while applying to ${node}`);
    expect(left.code).toBe(1);
    expect(Object.keys(nodeFolder())).toEqual(['app.yaml']); // the old file went first; nothing half-written

    rmSync(join(dir, 'manifests', 'slow.yaml'));
    const removed = nx(workspace, ['run', `${node}:apply`]);
    expect(removed.status).toBe(0);
    await pollFor(
      () => (kubeletPods(container).some((p) => p.metadata.name === `slow-${node}`) ? undefined : true),
      60_000,
      () => 'slow pod still there',
    );
  });

  it('export-logs collects the diagnostics of a healthy node', () => {
    const exported = nx(workspace, ['run', `${node}:export-logs`]);
    expect(exported.status).toBe(0);
    const out = join(workspace, 'dist', 'kubelet-logs', node);
    expect(output(exported)).toContain(`files in dist/kubelet-logs/${node}`);
    const read = (file: string) => readFileSync(join(out, file), 'utf8');
    expect(JSON.parse(read('inspect.json'))[0].Id).toBe(JSON.parse(run('docker', ['inspect', container]).stdout)[0].Id);
    expect(read('console.log')).toMatch(/Multi-User System/);
    expect(read('kubelet.log')).toContain('kubelet');
    expect(read('docker.log')).toMatch(/dockerd/);
    expect(read('cri-docker.log')).toMatch(/cri-dockerd/);
    expect(JSON.parse(read('kubelet-configz.json')).kubeletconfig.staticPodPath).toBe('/etc/kubernetes/manifests');
    expect(JSON.parse(read('pods.json')).items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual([`app-${node}`]);
    expect(read('docker-info.txt')).toContain('runc-oom-clamp');
    expect(read('versions.txt')).toContain('kubelet: Kubernetes v1.');
    expect(read('docker-ps.txt')).toContain(`k8s_httpd_app-${node}`);
    expect(existsSync(join(out, 'journal.log'))).toBe(true);
  });

  it('export-logs works on a node whose kubelet is crash-looping, and says what it could not collect', () => {
    // Break the kubelet: an unknown field in its config makes it exit at start; systemd restarts it again and again.
    nodeSh(container, "printf 'notAField: [\\n' >> /kubelet.yaml && systemctl restart kubelet || true");
    const out = join(workspace, 'failing-logs');
    const exported = nx(workspace, ['run', `${node}:export-logs`, `--outputPath=${out}`]);
    expect(exported.status).toBe(0);
    expect(output(exported)).toContain('not collected: see errors.txt');
    expect(readFileSync(join(out, 'errors.txt'), 'utf8')).toContain('kubelet-configz.json');
    expect(readFileSync(join(out, 'kubelet.log'), 'utf8')).toMatch(/kubelet\.service: (Main process exited|Failed)|failed to load kubelet config file/);
    expect(readFileSync(join(out, 'docker-info.txt'), 'utf8')).toContain('Server Version');
    const status = nx(workspace, ['run', `${node}:status`]);
    expect(status.status).not.toBe(0);

    // report: the node NOT healthy, its pod not started, with the kubelet's own reason (its rejected configuration).
    const reported = nx(workspace, ['run', `${node}:report`, `--outputPath=${join(workspace, 'failing-report')}`]);
    expect(reported.status).not.toBe(0);
    const [reportedNode] = JSON.parse(readFileSync(join(workspace, 'failing-report', 'report.json'), 'utf8')).nodes;
    expect(reportedNode.kubelet.healthy).toBe(false);
    expect(reportedNode.messages).toContainEqual(expect.objectContaining({ severity: 'error', category: 'config-rejected' }));
    expect(reportedNode.pods).toEqual([
      expect.objectContaining({
        key: 'default/app',
        outcome: 'missing',
        reason: expect.stringMatching(/^not started: the kubelet is not running: .*kubelet config/),
      }),
    ]);
    expect(readFileSync(join(workspace, 'failing-report', 'junit.xml'), 'utf8')).toContain('<failure type="missing"');
  });

  it('load and apply say that a stopped node is not running', () => {
    expect(nx(workspace, ['run', `${node}:down`, '--volumes']).status).toBe(0);
    const load = nx(workspace, ['run', `${node}:load`, '--excludeTaskDependencies']);
    expect(output(load)).toContain(`${node} is not running (it has no container). Start it: nx run ${node}:up`);
    expect(load.status).not.toBe(0);
    const apply = nx(workspace, ['run', `${node}:apply`, '--excludeTaskDependencies']);
    expect(output(apply)).toContain(`${node} is not running (it has no container). Start it: nx run ${node}:up`);
    expect(apply.status).not.toBe(0);
  });
});
