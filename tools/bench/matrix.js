#!/usr/bin/env node
// A version matrix up in parallel to its first report (issue 18); prints numbers and ratios, asserts nothing.
//   node tools/bench/matrix.js [--sizes 1,3,6,9] [--keep]
// Needs the engine, the kicbase stand-in (tools/images/build-stand-ins.sh), the real binaries
// (tools/real-binaries/build.sh) and a built plugin (npm run build).
//
// For each size N: `nx g nx-kubelet:matrix` with N Kubernetes minors (the newest first down to 1.29). A minor whose
// real kubelet tools/real-binaries built gets it (with the TEST-ONLY runc wrapper baked in, as the tests do); the others
// get the stand-in binaries (a kubelet that serves /healthz and /pods). One shared busybox pod. Images are built before
// the timed part. Timed: `nx run-many -t up --parallel=N` (every kubelet healthy, the pods Running on real kubelets)
// then `nx run <matrix>:report`; memory per node from the nodes' memory cgroups after the report. Ratios to N = 1.
const { appendFileSync, chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { arg, checkpoint, copyWorkspace, flag, memoryOf, removeNodes, run, seconds, table, withCleanup, STAND_IN, nxEnv } = require('./lib');

const root = join(__dirname, '..', '..');
const sizes = String(arg('--sizes', '1,3,6,9'))
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const env = nxEnv({ CI: 'true' });
const tag = process.pid.toString(36);
// Throws with the output when nx fails (lib's run).
const nx = (ws, ...args) => run([process.execPath, nxBin, ...args], { cwd: ws, env });
// The exit code instead: up and report fail when a node or pod does, which is a result here.
const nxStatus = (ws, ...args) => spawnSync(process.execPath, [nxBin, ...args], { cwd: ws, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).status;

const index = JSON.parse(readFileSync(join(process.env.NX_KUBELET_REAL_CACHE ?? '/var/cache/nx-kubelet/real-binaries', 'index.json'), 'utf8'));
const { KUBERNETES_MINORS } = require(join(root, 'packages/kubelet-node/dist/core/version-matrix'));
const criDockerd = [...index.criDockerd].sort((a, b) => a.version.localeCompare(b.version, undefined, { numeric: true })).at(-1);
const realByMinor = new Map(index.kubelets.map((kubelet) => [kubelet.minor, kubelet]));
// Real minors first (so that N = 3 is the three real kubelets), then the others, newest first.
const minors = KUBERNETES_MINORS.map((m) => m.minor).sort(
  (a, b) => Number(realByMinor.has(b)) - Number(realByMinor.has(a)) || Number(b.split('.')[1]) - Number(a.split('.')[1]),
);

let ws;
const made = [];

async function main() {
  ws = copyWorkspace('nx-kubelet-bench-matrix-');
  const results = [];
  for (const size of sizes) {
    await checkpoint();
    const name = `bm${size}x${tag}`;
    const chosen = minors.slice(0, size);
    const versions = chosen.map((minor) => realByMinor.get(minor)?.version ?? minor);
    nx(
      ws,
      'g',
      'nx-kubelet:matrix',
      name,
      `--kubeVersions=${versions.join(',')}`,
      `--criDockerdVersions=${criDockerd.version}`,
      '--binarySource=local',
      `--kicbaseImage=${STAND_IN}`,
      '--examplePod=false',
    );
    const members = chosen.map((minor) => ({ minor, name: `${name}-${minor.replace('.', '-')}`, dir: join(ws, 'packages', name, minor.replace('.', '-')) }));
    made.push(...members.map((member) => member.name));
    for (const member of members) {
      const real = realByMinor.get(member.minor);
      const binaries = real
        ? { kubelet: real.path, 'cri-dockerd': criDockerd.path }
        : { kubelet: join(root, 'tools/images/stand-in-binaries/kubelet'), 'cri-dockerd': join(root, 'tools/images/stand-in-binaries/cri-dockerd') };
      for (const [binary, from] of Object.entries(binaries)) {
        copyFileSync(from, join(member.dir, 'bin', binary));
        chmodSync(join(member.dir, 'bin', binary), 0o755);
      }
      if (real) {
        // TEST-ONLY, as generators/tests/support/real-node.ts bakeRuncOomClamp: these VMs lack CAP_SYS_RESOURCE.
        copyFileSync(join(root, 'tools/real-binaries/runc-oom-clamp'), join(member.dir, 'bin', 'runc-oom-clamp'));
        chmodSync(join(member.dir, 'bin', 'runc-oom-clamp'), 0o755);
        appendFileSync(
          join(member.dir, 'Dockerfile.kicbase'),
          `COPY bin/runc-oom-clamp /usr/local/bin/runc-oom-clamp\nRUN mkdir -p /etc/docker && printf '%s' '{"runtimes":{"runc-oom-clamp":{"path":"/usr/local/bin/runc-oom-clamp"}},"default-runtime":"runc-oom-clamp"}' > /etc/docker/daemon.json\n`,
        );
      }
    }
    writeFileSync(
      join(ws, 'packages', name, 'manifests', 'httpd.yaml'),
      require(join(root, 'tools/real-binaries/workload-pod')).httpdManifest(index.workloadImage, 'httpd'),
    );
    nx(ws, 'sync');
    const projects = `--projects=tag:matrix:${name}`;
    nx(ws, 'run-many', '-t', 'build', projects, '--parallel=2');
    await checkpoint();
    const start = performance.now();
    const upStatus = nxStatus(ws, 'run-many', '-t', 'up', projects, `--parallel=${size}`);
    const upDone = performance.now();
    const reportStatus = nxStatus(ws, 'run', `${name}:report`);
    const end = performance.now();
    const memory = memoryOf(members.map((member) => member.name)).filter((mib) => Number.isFinite(mib));
    const real = members.filter((member) => realByMinor.has(member.minor)).length;
    results.push({
      size,
      real,
      up: upDone - start,
      total: end - start,
      memory: memory.reduce((a, b) => a + b, 0) / Math.max(memory.length, 1),
      upOk: upStatus === 0,
      reportOk: reportStatus === 0,
    });
    nx(ws, 'run-many', '-t', 'down', projects, '--volumes', `--parallel=${size}`);
  }
  const one = results.find((result) => result.size === 1) ?? results[0];
  console.log(`\nA matrix up in parallel (nx run-many -t up --parallel=N) to its first report (nx run <matrix>:report); no Nx daemon`);
  table(
    ['nodes (real kubelets)', 'up', 'up + report', 'per node', 'memory per node', 'up + report / 1 node', 'memory per node / 1 node', 'up / report ok'],
    results.map((result) => [
      `${result.size} (${result.real})`,
      seconds(result.up),
      seconds(result.total),
      seconds(result.total / result.size),
      `${result.memory.toFixed(0)} MiB`,
      (result.total / one.total).toFixed(2),
      (result.memory / one.memory).toFixed(2),
      `${result.upOk ? 'ok' : 'failed'} / ${result.reportOk ? 'ok' : 'failed'}`,
    ]),
  );
}

function cleanup() {
  if (flag('--keep')) console.log(`kept: workspace ${ws}, nodes ${made.join(', ')}`);
  else removeNodes(made);
  if (ws && !flag('--keep')) rmSync(ws, { recursive: true, force: true });
}

withCleanup(main, cleanup);
