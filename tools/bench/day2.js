#!/usr/bin/env node
// Day-2 operations on a node with a REAL kubelet and cri-dockerd (tools/real-binaries/build.sh), side by side with the
// way they are done without them; asserts nothing.
//   node tools/bench/day2.js [--runs 3] [--mb 100] [--apply-only] [--compare-cli <cli.js>] [--keep]
// --compare-cli: another build of the kubelet-node CLI (e.g. a copy of an earlier dist/) taking turns with this one
// for the changed and the new pod ("CLI (other)"), on the same node: before/after under the same load.
// --no-nx: leave out the nx ways (nx's own start-up is measured in the lifecycle benchmark).
// --new-pod-only: only the new pod (with --apply-only: no changed pod, no rebuild, no load).
// --kubelet <version>: that kubelet of tools/real-binaries' index (default: its default minor).
// --grace0: every apply of a changed pod (this CLI's and --compare-cli's) with --gracePeriod=0, and no separate way for it.
// --gap <s>: wait that long before each apply of a changed pod (default 0: right after the last one's pod ran).
// --changed-only: only the changed pod (with --apply-only: no new pod, no rebuild, no load); every round's time is in
// the last line, where the levels the kubelet's 2 s housekeeping gives them show.
// Needs the engine, the kicbase stand-in, the real binaries and a built plugin (npm run build).
//
//   manifest edit -> pod Running (the pod's answer changes; timed until the new pod answers)
//     apply, nx        nx run <node>:apply (atomic write into the static pod folder, waits until the new pod runs)
//     apply, CLI       kubelet-node apply <dir>: the same operation without nx's start-up
//     rebuild+recreate nx run <node>:up after the edit: up builds the image (the manifest is baked in), Compose
//                      recreates the container (the /var volume stays), up waits for healthz and the pods
//     apply, CLI, --gracePeriod=0  the same, the old pod stopped at once instead of after its grace period (1 s here)
//   a new pod (a manifest added) -> Running
//     apply, nx / CLI  as above, for a pod of a name not used before (removed again after each, not timed)
//     by hand          the pod's own start: one docker exec that renames the manifest into the static pod folder and
//                      polls the read-only API's /pods every 50 ms until the pod is Running and ready (as apply waits
//                      for it); timed inside the node, from the rename to the answer (no docker exec, no CLI start-up)
//   load of an image of --mb MB (random data on the workload image; removed from the node between rounds); with
//   --apply-only neither this nor rebuild+recreate runs
//     load, nx         nx run <node>:load --images=<image>
//     load, CLI        kubelet-node load <dir> --images=<image>
//     by hand          docker save <image> | docker exec -i <container> docker load (a shell pipe)
// The node's image has the TEST-ONLY runc wrapper as its dockerd's default runtime (these VMs lack
// CAP_SYS_RESOURCE), as in day2.test.ts; the pods' grace period is 1 s (busybox httpd ignores SIGTERM).
const { spawnSync } = require('node:child_process');
const { appendFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const {
  arg,
  checkpoint,
  copyWorkspace,
  flag,
  installBinaries,
  median,
  nodeBinaries,
  pairedRatio,
  removeNodes,
  rotate,
  run,
  seconds,
  table,
  withCleanup,
  STAND_IN,
  nxEnv,
} = require('./lib');
const { httpdManifest } = require('../real-binaries/workload-pod');

const root = join(__dirname, '..', '..');
const runs = arg('--runs', 3);
const megabytes = arg('--mb', 100);
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const env = nxEnv();
const id = process.pid.toString(36);
const name = `bench-d2-${id}`;
const bigImage = `nx-kubelet/day2-bench-${megabytes}mb:${id}`;

const timed = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};

/** The temporary workspace, once made. */
let ws;

async function main() {
  const binaries = nodeBinaries.real({ kube: arg('--kubelet', undefined) });
  const { index, kubelet, cri } = binaries;
  const workload = index.workloadImage;
  console.log(`day-2 bench: kubelet ${kubelet.version}, cri-dockerd ${cri.version}, ${runs} rounds, ${megabytes} MB image, stand-in ${STAND_IN}`);

  ws = copyWorkspace('nx-kubelet-bench-day2-');
  const dir = join(ws, 'packages', name);
  const cli = join(ws, 'node_modules', 'kubelet-node', 'dist', 'cli.js');
  const nx = (...args) => run([process.execPath, nxBin, ...args], { cwd: ws, env });
  const kubeletNode = (...args) => run([process.execPath, cli, ...args], { cwd: ws, env });
  const sh = (container, script) => run(['docker', 'exec', container, 'sh', '-c', script]).stdout;
  const manifest = (podName, body) => httpdManifest(workload, podName, body).replace('spec:\n', 'spec:\n  terminationGracePeriodSeconds: 1\n');
  const write = (file, text) => {
    writeFileSync(join(dir, 'manifests', `.${file}.tmp`), text);
    renameSync(join(dir, 'manifests', `.${file}.tmp`), join(dir, 'manifests', file));
  };
  let container = '';
  const answer = (podName) => {
    const pods = JSON.parse(sh(container, 'curl -fsS http://127.0.0.1:10255/pods')).items;
    const pod = pods.find((p) => p.metadata.name === `${podName}-${name}` && p.status.phase === 'Running');
    return pod
      ? spawnSync('docker', ['exec', container, 'curl', '-fsS', '--max-time', '2', `http://${pod.status.podIP}:8080/`], { encoding: 'utf8' }).stdout.trim()
      : '';
  };
  const expectAnswer = (podName, body, what) => {
    const got = answer(podName);
    if (got !== body) throw new Error(`${what}: pod ${podName} answers "${got}", not "${body}"`);
  };
  const results = { applyNx: [], applyCli: [], applyGrace0: [], applyOther: [], rebuild: [], addNx: [], addCli: [], addHand: [], addOther: [] };
  Object.assign(results, { loadNx: [], loadCli: [], loadHand: [] });
  const applyOnly = flag('--apply-only');
  const changedOnly = flag('--changed-only');
  const otherCli = arg('--compare-cli', '');
  const ways = (list) => list.filter((way) => !(flag('--no-nx') && way.endsWith('Nx')) && (otherCli || !way.endsWith('Other')));
  /** The pod's own start (ms, measured in the node): rename `file` (already in manifests/) into place, poll /pods. */
  const byHand = (file, podName) => {
    const text = require('node:fs').readFileSync(join(dir, 'manifests', file), 'utf8');
    const script = [
      'f=/etc/kubernetes/manifests; cat > "$f/.$1.bench"',
      't0=$(date +%s%N); mv "$f/.$1.bench" "$f/$1"',
      // One pod per line, then the line of ours: Running with its container ready.
      'until curl -fsS http://127.0.0.1:10255/pods | tr -d "\\n" | sed "s/{\\"metadata\\":/\\n&/g" | grep "\\"name\\":\\"$2\\"" | grep "\\"phase\\":\\"Running\\"" | grep -q "\\"ready\\":true"; do sleep 0.05; done',
      'echo $(( ($(date +%s%N) - t0) / 1000000 ))',
    ].join('\n');
    return Number(run(['docker', 'exec', '--interactive', container, 'sh', '-c', script, 'sh', file, `${podName}-${name}`], { input: text }).stdout.trim());
  };
  nx('g', 'nx-kubelet:kubelet-node', name, '--binarySource=local', ...binaries.generatorArgs, `--kicbaseImage=${STAND_IN}`, '--examplePod=false');
  binaries.install(dir);
  installBinaries(dir, { 'runc-oom-clamp': join(root, 'tools/real-binaries/runc-oom-clamp') });
  appendFileSync(
    join(dir, 'Dockerfile.kicbase'),
    [
      '# TEST-ONLY (tools/bench/day2.js): these VMs lack CAP_SYS_RESOURCE; see tools/real-binaries/runc-oom-clamp.',
      'COPY bin/runc-oom-clamp /usr/local/bin/runc-oom-clamp',
      `RUN mkdir -p /etc/docker && printf '%s' '{"runtimes":{"runc-oom-clamp":{"path":"/usr/local/bin/runc-oom-clamp"}},"default-runtime":"runc-oom-clamp"}' > /etc/docker/daemon.json`,
      '',
    ].join('\n'),
  );
  write('web.yaml', manifest('web', 'v0'));
  nx('run', `${name}:up`);
  container = run(['docker', 'ps', '--quiet', '--filter', `label=com.docker.compose.service=${name}`]).stdout.trim();
  expectAnswer('web', 'v0', 'after up');
  if (!applyOnly) {
    run(['docker', 'build', '--quiet', '--tag', bigImage, '-'], {
      input: `FROM ${workload}\nRUN head -c ${megabytes * 1000 * 1000} /dev/urandom > /blob\n`,
    });
  }

  let version = 0;
  const grace = flag('--grace0') ? ['--gracePeriod=0'] : [];
  const changedWays = flag('--new-pod-only') ? [] : ['applyNx', 'applyCli', ...(grace.length ? [] : ['applyGrace0']), 'applyOther'];
  const gap = Number(arg('--gap', 0));
  for (let round = 0; round < runs; round++) {
    await checkpoint();
    // Manifest edit -> new pod answering, three ways (apply by nx and by the CLI first in turn).
    for (const way of rotate(ways(changedWays), round)) {
      const body = `v${++version}`;
      if (gap > 0) spawnSync('sleep', [String(gap)]);
      results[way].push(
        timed(() => {
          write('web.yaml', manifest('web', body));
          if (way === 'applyNx') nx('run', `${name}:apply`, ...grace);
          else if (way === 'applyCli') kubeletNode('apply', `packages/${name}`, ...grace);
          else if (way === 'applyOther') run([process.execPath, otherCli, 'apply', `packages/${name}`, ...grace], { cwd: ws, env });
          else kubeletNode('apply', `packages/${name}`, '--gracePeriod=0');
        }),
      );
      expectAnswer('web', body, way);
    }

    // A new pod (a name not used before: a pod removed a moment ago must first be let go of by the kubelet, which
    // apply waits for), then removed again (not timed), by nx and by the CLI in turn.
    for (const way of changedOnly ? [] : rotate(ways(['addNx', 'addCli', 'addHand', 'addOther']), round)) {
      const podName = `extra${++version}`;
      if (way === 'addHand') {
        write('extra.yaml', manifest(podName, podName));
        results[way].push(byHand('extra.yaml', podName));
      } else {
        results[way].push(
          timed(() => {
            write('extra.yaml', manifest(podName, podName));
            if (way === 'addNx') nx('run', `${name}:apply`);
            else if (way === 'addOther') run([process.execPath, otherCli, 'apply', `packages/${name}`], { cwd: ws, env });
            else kubeletNode('apply', `packages/${name}`);
          }),
        );
      }
      expectAnswer(podName, podName, way);
      rmSync(join(dir, 'manifests', 'extra.yaml'));
      kubeletNode('apply', `packages/${name}`);
    }
    if (!applyOnly) await rebuildAndLoad(round);
  }
  async function rebuildAndLoad(round) {
    const body = `v${++version}`;
    results.rebuild.push(
      timed(() => {
        write('web.yaml', manifest('web', body));
        nx('run', `${name}:up`);
      }),
    );
    container = run(['docker', 'ps', '--quiet', '--filter', `label=com.docker.compose.service=${name}`]).stdout.trim();
    expectAnswer('web', body, 'rebuild');

    // load of the big image, three ways in turn; the node forgets it between them.
    const order = ['loadNx', 'loadCli', 'loadHand'];
    for (let i = 0; i < order.length; i++) {
      const way = order[(i + round) % order.length];
      sh(container, `docker image rm --force ${bigImage} >/dev/null 2>&1; true`);
      results[way].push(
        timed(() => {
          if (way === 'loadNx') nx('run', `${name}:load`, `--images=${bigImage}`);
          else if (way === 'loadCli') kubeletNode('load', `packages/${name}`, `--images=${bigImage}`);
          else run(['sh', '-c', 'docker save "$1" | docker exec -i "$2" docker load', 'sh', bigImage, container]);
        }),
      );
      const hostId = run(['docker', 'image', 'inspect', '--format', '{{.Id}}', bigImage]).stdout.trim();
      if (sh(container, `docker image inspect --format '{{.Id}}' ${bigImage}`).trim() !== hostId) throw new Error(`${way}: the node lacks ${bigImage}`);
    }
  }

  console.log('');
  const m = (key) => (results[key].length ? seconds(median(results[key])) : '');
  const paired = (a, b) => (results[a].length && results[b].length ? pairedRatio(results[a], results[b]) : '');
  /** The median of the paired differences a - b, in seconds. */
  const over = (a, b) => seconds(median(results[a].map((value, i) => value - results[b][i])));
  table(
    [
      'manifest edit -> pod Running (median)',
      'apply, nx',
      'apply, CLI',
      'CLI --gracePeriod=0',
      'rebuild+recreate',
      'rebuild / apply (nx)',
      'rebuild / apply (CLI)',
      'rounds',
    ],
    [
      ['changed pod', m('applyNx'), m('applyCli'), m('applyGrace0'), m('rebuild'), paired('rebuild', 'applyNx'), paired('rebuild', 'applyCli'), runs],
      ...(changedOnly ? [] : [['new pod', m('addNx'), m('addCli'), '', '', '', '', runs]]),
    ],
  );
  if (otherCli) {
    console.log('');
    table(
      [`this CLI beside ${otherCli} (median)`, 'this CLI', 'other CLI', 'this / other', 'other - own start', 'this - own start'],
      [
        ['changed pod', m('applyCli'), m('applyOther'), paired('applyCli', 'applyOther'), '', ''],
        ...(changedOnly ? [] : [['new pod', m('addCli'), m('addOther'), paired('addCli', 'addOther'), over('addOther', 'addHand'), over('addCli', 'addHand')]]),
      ],
    );
  }
  if (!changedOnly) {
    console.log('');
    table(
      ['a new pod (median)', "the pod's own start (by hand in the node)", 'apply, CLI', 'CLI - own start', 'CLI / own start', 'apply, nx', 'nx - own start'],
      [
        [
          'manifest -> Running',
          m('addHand'),
          m('addCli'),
          over('addCli', 'addHand'),
          paired('addCli', 'addHand'),
          m('addNx'),
          results.addNx.length ? over('addNx', 'addHand') : '',
        ],
      ],
    );
  }
  if (!applyOnly) {
    console.log('');
    table(
      [`load of ${megabytes} MB (median)`, 'load, nx', 'load, CLI', 'by hand', 'nx / by hand', 'CLI / by hand', 'rounds'],
      [['docker save | docker exec docker load', m('loadNx'), m('loadCli'), m('loadHand'), paired('loadNx', 'loadHand'), paired('loadCli', 'loadHand'), runs]],
    );
  }
  console.log(
    `\nrounds (ms): ${Object.entries(results)
      .map(([key, values]) => `${key} ${values.map(Math.round).join(', ')}`)
      .join('; ')}`,
  );
}

/** Whatever ends the benchmark (its end, an error, Ctrl-C), unless --keep: the node, its volume and image, the big image, the workspace. */
function cleanup() {
  if (flag('--keep')) {
    console.log(`kept: workspace ${ws}, node ${name}, image ${bigImage}`);
    return;
  }
  removeNodes([name]);
  spawnSync('docker', ['image', 'rm', '--force', bigImage], { stdio: 'ignore' });
  if (ws) rmSync(ws, { recursive: true, force: true });
}

withCleanup(main, cleanup);
