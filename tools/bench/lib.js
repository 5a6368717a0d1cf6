// Helpers shared by the benchmarks in tools/bench: arguments, medians, timing, tables, and the cleanup that removes what
// a benchmark started whatever ends it. Nothing here asserts.
const { spawnSync } = require('node:child_process');
const {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { nothingLeft, removeNode } = require('../docker-engine/leftovers');

/** `--name value` from the command line, else the fallback (numbers are converted). */
function arg(name, fallback) {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = process.argv[index + 1];
  return typeof fallback === 'number' ? Number(value) : value;
}

const flag = (name) => process.argv.includes(name);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `fn` and returns its wall time in ms together with its result. */
function timed(fn) {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

/** spawnSync without a shell that throws with the output when the command fails; returns stdout and stderr. */
function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}${result.stderr}` };
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const ratio = (a, b) => (a / b).toFixed(2);

/**
 * The ratio of two series sampled in the same rounds: the median of the per-round ratios (pairs taken side by side
 * share the machine's load of that moment), with their range when there is more than one round.
 */
function pairedRatio(a, b) {
  const ratios = a.map((value, index) => value / b[index]);
  const range = ratios.length > 1 ? ` (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` : '';
  return `${median(ratios).toFixed(2)}${range}`;
}

/** Prints rows as a table: first column left-aligned, the others right-aligned. */
function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => String(row[column]).length)));
  for (const row of all)
    console.log(row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column] + 2))).join(''));
}

/** Rotates `items` by `index`: alternates which variant runs first, so that none always gets the coldest slot. */
const rotate = (items, index) => items.map((_, i) => items[(i + index) % items.length]);

/**
 * A temporary copy of this workspace with the built packages and no nodes: node_modules linked to the repository's,
 * nx-kubelet and kubelet-node to the copy's own (as npm workspaces would link them). `prefix` names the folder.
 */
function copyWorkspace(prefix) {
  const root = join(__dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const copied = [
    'package.json',
    'nx.json',
    'tsconfig.base.json',
    'generators/package.json',
    'generators/generators.json',
    'generators/executors.json',
    'generators/migrations.json',
    'generators/dist',
  ];
  for (const path of [...copied, 'packages/kubelet-node/package.json', 'packages/kubelet-node/schemas', 'packages/kubelet-node/dist']) {
    cpSync(join(root, path), join(dir, path), { recursive: true });
  }
  mkdirSync(join(dir, 'node_modules'));
  // The copy's own packages: a rebuild in the repository meanwhile cannot pull them away from a running benchmark.
  const own = { 'nx-kubelet': 'generators', 'kubelet-node': 'packages/kubelet-node' };
  for (const entry of readdirSync(join(root, 'node_modules')))
    if (!(entry in own) && entry !== 'projen-kubelet') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  for (const [name, path] of Object.entries(own)) symlinkSync(join(dir, path), join(dir, 'node_modules', name));
  return dir;
}

/**
 * A temporary workspace with nx-kubelet installed as a package (copied, not linked: what `nx add` gives, so nx does not
 * compute the workspace's projects a second time to resolve a workspace plugin) and no nodes; nx.json leaves the
 * daemon to NX_DAEMON. Its other node_modules are links to the repository's. `prefix` names the folder.
 */
function installedWorkspace(prefix) {
  const root = join(__dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-workspace', version: '0.0.0', private: true }, null, 2));
  cpSync(join(root, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
  delete nxJson.useDaemonProcess; // NX_DAEMON decides
  nxJson.plugins = ['nx-kubelet'];
  writeFileSync(join(dir, 'nx.json'), JSON.stringify(nxJson, null, 2));
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules')))
    if (entry !== 'nx-kubelet') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  for (const path of ['package.json', 'generators.json', 'executors.json', 'migrations.json', 'dist'])
    cpSync(join(root, 'generators', path), join(dir, 'node_modules', 'nx-kubelet', path), { recursive: true });
  return dir;
}

/** Where tools/real-binaries/build.sh keeps the real kubelets and cri-dockerd it built, with their index.json. */
const REAL_BINARIES = process.env.NX_KUBELET_REAL_CACHE || '/var/cache/nx-kubelet/real-binaries';

/** The kubelet and cri-dockerd a benchmark's node runs, as `{ label, generatorArgs, install(nodeDir) }`. */
const nodeBinaries = {
  /** The stand-ins of tools/images/stand-in-binaries (the generator's default versions). */
  standIn: () => ({
    label: 'the stand-in kubelet and cri-dockerd',
    generatorArgs: [],
    install: (nodeDir) =>
      installBinaries(nodeDir, {
        kubelet: join(__dirname, '../images/stand-in-binaries/kubelet'),
        'cri-dockerd': join(__dirname, '../images/stand-in-binaries/cri-dockerd'),
      }),
  }),
  /** Whether build.sh has finished at least once (its index.json exists). */
  realAvailable: () => existsSync(join(REAL_BINARIES, 'index.json')),
  /**
   * The real ones of build.sh's index: kubelet `kube` (default: the index's default minor) and cri-dockerd `cri`
   * (default: the newest); also `index`, `kubelet` and `cri` (the index's entries: pause and workload images).
   */
  real({ kube, cri } = {}) {
    const index = JSON.parse(readFileSync(join(REAL_BINARIES, 'index.json'), 'utf8'));
    const kubelet = index.kubelets.find((k) => k.version === kube) || index.kubelets.find((k) => k.minor === index.defaultMinor) || index.kubelets[0];
    const criDockerd = index.criDockerd.find((c) => c.version === cri) || index.criDockerd[index.criDockerd.length - 1];
    return {
      label: `kubelet ${kubelet.version} and cri-dockerd ${criDockerd.version} (real)`,
      index,
      kubelet,
      cri: criDockerd,
      generatorArgs: [`--kubeVersion=${kubelet.version}`, `--criDockerdVersion=${criDockerd.version}`, '--allowUnknownVersions'],
      install: (nodeDir) => installBinaries(nodeDir, { kubelet: kubelet.path, 'cri-dockerd': criDockerd.path }),
    };
  },
};

/** Copies `{ name: path }` into the node's bin/ (binarySource=local), executable. */
function installBinaries(nodeDir, binaries) {
  for (const [binary, from] of Object.entries(binaries)) {
    copyFileSync(from, join(nodeDir, 'bin', binary));
    chmodSync(join(nodeDir, 'bin', binary), 0o755);
  }
}

/**
 * Runs a benchmark's `main` (async) and then, exactly once, its `cleanup` (synchronous: it also runs from signal and
 * exit handlers): when main ends or fails, on SIGINT (Ctrl-C) or SIGTERM, after which the process exits 130 or 143,
 * and when the process exits any other way (process.exit, an emptied event loop). A signal is handled as soon as the
 * benchmark waits; a step that runs synchronously (spawnSync) ends first, which Ctrl-C brings about since the terminal
 * interrupts the step's process too; a signal sent to the benchmark alone is handled at its next {@link checkpoint}. An error of main is printed and the exit code is 1.
 */
/**
 * Lets a pending SIGINT/SIGTERM be handled (withCleanup's handler runs only when the event loop turns, which a chain of
 * synchronous steps never lets it do): `await checkpoint()` between a benchmark's steps.
 */
const checkpoint = () => new Promise((resolve) => setImmediate(resolve));

/** To stderr directly: a benchmark that silences the console for a step (lifecycle's quietly) does not silence this. */
const say = (text) => writeSync(2, `${text}\n`);

function withCleanup(main, cleanup) {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    try {
      cleanup();
    } catch (error) {
      say(`cleanup failed: ${error.stack ?? error}`);
      process.exitCode = 1;
    }
  };
  const onSignal = (signal) => {
    say(`\n${signal}: removing what the benchmark started…`);
    once();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', once);
  return Promise.resolve()
    .then(main)
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => {
      once();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', once);
    });
}

/**
 * Removes everything of the nodes `names` from an engine (`docker`: the command and its connection flags): their
 * containers, volumes, networks and images, found by Compose's labels (tools/docker-engine/leftovers.js), so that a
 * benchmark's workspace need not exist any more. Says loudly, and sets exit code 1, when something could not be removed.
 */
function removeNodes(names, docker = ['docker']) {
  for (const name of names) {
    let left;
    try {
      left = removeNode(name, { docker });
    } catch {
      // Once more: a Ctrl-C while the cleanup runs reaches its docker commands too (the terminal signals the group).
      try {
        left = removeNode(name, { docker });
      } catch (error) {
        say(`could not list or remove what is left of node ${name}: ${error.message}`);
        process.exitCode = 1;
        continue;
      }
    }
    if (!nothingLeft(left)) {
      say(`LEFT BEHIND of node ${name} (remove by hand): ${JSON.stringify(left)}`);
      process.exitCode = 1;
    }
  }
}

/**
 * MiB each node's container uses, read from its memory cgroup (usage minus inactive page cache, as `docker stats`
 * computes it; `docker stats` itself reads 0 B here, where systemd in the node moves itself into child cgroups).
 * Both engines run on this machine, so one cgroup tree holds every node.
 */
function memoryOf(names, docker = ['docker']) {
  const ids = names.flatMap((name) =>
    run([...docker, 'ps', '--quiet', '--no-trunc', '--filter', `label=com.docker.compose.service=${name}`])
      .stdout.split('\n')
      .filter(Boolean),
  );
  return ids.map((id) => {
    for (const dir of [`/sys/fs/cgroup/memory/docker/${id}`, `/sys/fs/cgroup/system.slice/docker-${id}.scope`, `/sys/fs/cgroup/docker/${id}`]) {
      try {
        const stat = Object.fromEntries(
          readFileSync(join(dir, 'memory.stat'), 'utf8')
            .split('\n')
            .map((line) => line.split(' ')),
        );
        const usage = Number(readFileSync(join(dir, existsSync(join(dir, 'memory.current')) ? 'memory.current' : 'memory.usage_in_bytes'), 'utf8'));
        return (usage - Number(stat.total_inactive_file ?? stat.inactive_file ?? 0)) / 1024 / 1024;
      } catch {
        // not this layout
      }
    }
    return NaN;
  });
}

/** The kicbase stand-in the benchmarks build their nodes on (tools/images/build-stand-ins.sh). */
const STAND_IN = 'nx-kubelet/kicbase-stand-in:v0.0.47';

/** The environment the benchmarks run nx in: no daemon, no Nx Cloud, no cache, no prompt, no colour; `extra` on top. */
function nxEnv(extra = {}) {
  return {
    ...process.env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_INTERACTIVE: 'false',
    NX_SKIP_NX_CACHE: 'true',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    ...extra,
  };
}

module.exports = {
  STAND_IN,
  nxEnv,
  memoryOf,
  installedWorkspace,
  nodeBinaries,
  installBinaries,
  arg,
  flag,
  median,
  timed,
  run,
  seconds,
  ratio,
  pairedRatio,
  table,
  rotate,
  copyWorkspace,
  withCleanup,
  checkpoint,
  removeNodes,
};
