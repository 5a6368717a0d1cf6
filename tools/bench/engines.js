#!/usr/bin/env node
// One node per engine, the same steps on each, side by side as ratios to Docker 26 (issue 17); asserts nothing.
//   node tools/bench/engines.js [--engines docker26,docker28,podman] [--runs 1] [--binaries real|stand-in] [--keep]
// Needs the host's Docker 26 (tools/docker-engine/start.sh), the kicbase stand-in and the Docker 28 engine image
// (tools/images/build-stand-ins.sh), root, a built plugin (npm run build) and, for `pod Running`, the real binaries
// (tools/real-binaries/build.sh; with --binaries stand-in that row is left out).
//
// Every step runs through the kubelet-node CLI (the operations nx runs, without nx's own ~5-15 s per task on this
// machine, which would hide the engine's share; docs/benchmarks.md "A build that changes nothing"):
//   build, warm          kubelet-node build <node> with nothing changed (the up-to-date check: no build runs)
//   build, kubelet.yaml  kubelet-node build <node> after a comment is appended to the node's kubelet.yaml (BuildKit
//                        reuses every step before the kubelet.yaml COPY)
//   up to healthy        kubelet-node up <node> --waitForPods=false from a stopped node with a fresh /var volume, until
//                        it exits (it returns once the kubelet answers /healthz)
//   pod Running          a static pod manifest (busybox httpd, images loaded beforehand, not timed) moved atomically
//                        into the node's /etc/kubernetes/manifests, until the kubelet's read-only API reports it
//                        Running (one docker exec polling every 100 ms inside the node)
//   load 100 MB          kubelet-node load <node> --images=<a 100 MB image> from the engine's own store (the host's classic
//                        store for Docker 26, the engine's containerd store for Docker 28: DOCKER_HOST), into a node
//                        that does not have it
// Every node's image carries the TEST-ONLY runc wrapper (these VMs lack CAP_SYS_RESOURCE), as in the tests.
//
// ENGINES is a table: an engine is a label and a start() that returns how to reach it. Adding one is one
// entry; the first engine of --engines is the baseline of the ratios (Docker 26 by default).
const { spawnSync } = require('node:child_process');
const { appendFileSync, copyFileSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const {
  arg,
  checkpoint,
  copyWorkspace,
  flag,
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
const { loadImages } = require('../docker-engine/lib');
const { startDocker28Engine } = require('../docker-engine/docker28-engine');
const { httpdManifest } = require('../real-binaries/workload-pod');

const root = join(__dirname, '..', '..');
const runs = arg('--runs', 1);
const nxBin = require.resolve('nx/bin/nx', { paths: [root] });
const baseEnv = nxEnv();
const tag = process.pid.toString(36);
const BIG_IMAGE = `nx-kubelet/bench-engines-100mb:${tag}`;

/**
 * The engines: `start(images)` makes the engine answer and have `images` (the host's engine has them already), and
 * returns `{ docker, generatorArgs, env, remove }`: the docker argv prefix, the generator flags that record the
 * engine with the node, the environment under which `load` takes images from the engine's own store, and what removes
 * the engine (with everything on it) at the end.
 */
const ENGINES = {
  docker26: {
    label: 'Docker 26 (host, classic store)',
    start: async () => ({ docker: ['docker'], generatorArgs: [], env: {}, remove: () => undefined }),
  },
  docker28: {
    label: 'Docker 28 (containerd store)',
    start: async (images) => {
      const engine = await startDocker28Engine({ name: `nxk-d28-bench-${tag}` });
      try {
        await loadImages(engine, images);
      } catch (error) {
        engine.remove();
        throw error;
      }
      return {
        docker: engine.docker(),
        generatorArgs: [`--dockerHost=${engine.host}`],
        env: { DOCKER_HOST: engine.host },
        remove: engine.remove,
        // Removing the engine removes its nodes: their containers, volumes and images are in its data-root.
        ownsNodes: true,
        version: engine.info.ServerVersion,
      };
    },
  },
  podman: {
    label: 'Podman 5 (rootful)',
    // tools/podman-engine/start.sh runs it (and loads the stand-ins); the images the bench builds go in from the host.
    start: async (images) => {
      const env = { ...process.env, PODMAN_IGNORE_CGROUPSV1_WARNING: '1' };
      const version = spawnSync('podman', ['info', '--format', '{{.Version.Version}}'], { encoding: 'utf8', env });
      if (version.status !== 0) throw new Error(`podman does not answer (${(version.stderr || '').trim()}): run tools/podman-engine/start.sh first.`);
      // The same copy as into a second Docker engine: `docker save` piped into the engine's `load`.
      await loadImages({ host: 'Podman', docker: (...args) => ['podman', ...args] }, images);
      return {
        docker: ['podman'],
        generatorArgs: ['--engine=podman'],
        env: {},
        remove: () => spawnSync('podman', ['image', 'rm', '--force', BIG_IMAGE], { stdio: 'ignore', env }),
        version: version.stdout.trim(),
      };
    },
  },
};

const selected = arg('--engines', 'docker26,docker28,podman')
  .split(',')
  .map((id) => id.trim())
  .filter(Boolean);
for (const id of selected) if (!ENGINES[id]) throw new Error(`unknown engine ${id}; known: ${Object.keys(ENGINES).join(', ')}`);

const nx = (ws, env, ...args) => run([process.execPath, nxBin, ...args], { cwd: ws, env: { ...baseEnv, ...env } });
/** The workspace's kubelet-node CLI on a node's folder: `operation <folder> ...args`. */
const cli = (ws, env, operation, name, ...args) =>
  run([process.execPath, join(ws, 'node_modules', 'kubelet-node', 'dist', 'cli.js'), operation, join('packages', name), ...args], {
    cwd: ws,
    env: { ...baseEnv, ...env },
  });
const timed = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};

/** Started engines and nodes, by engine id; the workspace. */
const started = {};
let ws;

async function main() {
  const real = flag('--binaries') ? arg('--binaries', 'real') === 'real' : nodeBinaries.realAvailable();
  const binaries = real ? nodeBinaries.real() : nodeBinaries.standIn();
  const images = real ? [`registry.k8s.io/pause:${binaries.kubelet.pause}`, binaries.index.workloadImage] : [];
  console.log(`engines bench: ${selected.map((id) => ENGINES[id].label).join(' vs ')}; ${binaries.label}; ${runs} round(s)`);

  // A 100 MB image of random bytes (no layer compresses or is shared), built once in the host's engine.
  const base = real ? binaries.index.workloadImage : STAND_IN;
  run(['docker', 'build', '--quiet', '--tag', BIG_IMAGE, '-'], { input: `FROM ${base}\nRUN head -c 100000000 /dev/urandom > /bench-blob\n` });

  ws = copyWorkspace('nx-kubelet-bench-engines-');
  for (const id of selected) {
    await checkpoint();
    const engine = await ENGINES[id].start([STAND_IN, BIG_IMAGE, ...images]);
    const name = `be-${id}-${tag}`;
    started[id] = { engine, name, results: {} };
    nx(
      ws,
      {},
      'g',
      'nx-kubelet:kubelet-node',
      name,
      '--binarySource=local',
      ...binaries.generatorArgs,
      ...engine.generatorArgs,
      `--kicbaseImage=${STAND_IN}`,
      '--examplePod=false',
    );
    const dir = join(ws, 'packages', name);
    binaries.install(dir);
    copyFileSync(join(root, 'tools/real-binaries/runc-oom-clamp'), join(dir, 'bin', 'runc-oom-clamp'));
    appendFileSync(
      join(dir, 'Dockerfile.kicbase'),
      [
        '# TEST-ONLY (tools/bench/engines.js): these VMs lack CAP_SYS_RESOURCE; see tools/real-binaries/runc-oom-clamp.',
        'COPY bin/runc-oom-clamp /usr/local/bin/runc-oom-clamp',
        `RUN chmod 0755 /usr/local/bin/runc-oom-clamp && mkdir -p /etc/docker && printf '%s' '{"runtimes":{"runc-oom-clamp":{"path":"/usr/local/bin/runc-oom-clamp"}},"default-runtime":"runc-oom-clamp"}' > /etc/docker/daemon.json`,
        '',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'manifests'), { recursive: true });
    const cold = timed(() => cli(ws, {}, 'build', name));
    console.log(
      `${ENGINES[id].label}${engine.version ? ` ${engine.version}` : ''}: cold build ${seconds(cold)} (not compared: the base image's layers are cached differently)`,
    );
  }

  const record = (id, step, ms) => (started[id].results[step] ??= []).push(ms);
  for (let round = 0; round < runs; round++) {
    for (const id of rotate(selected, round)) {
      await checkpoint();
      const { engine, name } = started[id];
      const dir = join(ws, 'packages', name);
      const dockerIn = (container, script, input) =>
        run([...engine.docker, 'exec', ...(input === undefined ? [] : ['-i']), container, 'sh', '-c', script], { input }).stdout;
      let said = '';
      record(
        id,
        'build, warm (nothing changed)',
        timed(() => (said = cli(ws, {}, 'build', name).output)),
      );
      if (!/is up to date/.test(said)) console.log(`${id}: the warm build was not up to date:\n${said.slice(-1500)}`);
      appendFileSync(join(dir, 'kubelet.yaml'), `# bench edit ${round}\n`);
      record(
        id,
        'build after a kubelet.yaml edit',
        timed(() => cli(ws, {}, 'build', name)),
      );
      record(
        id,
        'up to healthy',
        timed(() => cli(ws, {}, 'up', name, '--waitForPods=false')),
      );
      const container = run([...engine.docker, 'ps', '--quiet', '--filter', `label=com.docker.compose.service=${name}`]).stdout.trim();
      if (real) {
        cli(ws, engine.env, 'load', name, `--images=${images.join(',')}`);
        const deadline = Math.ceil(Date.now() / 1000) + 120;
        const poll = `while :; do curl -fsS http://127.0.0.1:10255/pods 2>/dev/null | grep -q '"name":"httpd-${name}".*"phase":"Running"' && exit 0; [ $(date +%s) -gt ${deadline} ] && exit 3; sleep 0.1; done`;
        record(
          id,
          'manifest -> pod Running (real kubelet)',
          timed(() => {
            dockerIn(
              container,
              'cat > /etc/kubernetes/.httpd.yaml.tmp && mv /etc/kubernetes/.httpd.yaml.tmp /etc/kubernetes/manifests/httpd.yaml',
              httpdManifest(images[1], 'httpd', 'ok'),
            );
            dockerIn(container, poll);
          }),
        );
      }
      record(
        id,
        'load of a 100 MB image',
        timed(() => cli(ws, engine.env, 'load', name, `--images=${BIG_IMAGE}`)),
      );
      // Not measured: the next round starts from a stopped node with a fresh /var volume.
      cli(ws, {}, 'down', name, '--volumes');
    }
  }

  const [baseline, ...others] = selected;
  const steps = Object.keys(started[baseline].results);
  console.log(`\nmedians of ${runs} round(s); ratio: the engine's time / ${ENGINES[baseline].label}'s (median of per-round ratios, range)`);
  table(
    ['step', ...selected.map((id) => ENGINES[id].label), ...others.map((id) => `${id} / ${baseline}`)],
    steps.map((step) => [
      step,
      ...selected.map((id) => seconds(median(started[id].results[step]))),
      ...others.map((id) => pairedRatio(started[id].results[step], started[baseline].results[step])),
    ]),
  );
  console.log(
    `\nrounds (ms), in the order above: ${selected.map((id) => `${id} ${steps.map((step) => started[id].results[step].map(Math.round).join('/')).join(', ')}`).join('; ')}`,
  );
}

/**
 * Whatever ends the benchmark (its end, an error, Ctrl-C): the nodes on the host's engine, the engines started for it
 * (with everything on them), the 100 MB image and, unless --keep, the workspace.
 */
function cleanup() {
  for (const { engine, name } of Object.values(started)) {
    if (!engine.ownsNodes) removeNodes([name], engine.docker);
    engine.remove();
  }
  run(['docker', 'image', 'rm', '--force', BIG_IMAGE]);
  if (ws && !flag('--keep')) rmSync(ws, { recursive: true, force: true });
  else if (ws) console.log(`kept: workspace ${ws}`);
}

withCleanup(main, cleanup);
