#!/usr/bin/env node
// Conformance on EVERY supported Kubernetes minor, for real, and the dated results table: docs/conformance-results.md.
//
//   npm run conformance:all                 builds the plugin, then this script
//   node tools/real-binaries/conformance-all.js [--built-only] [--output docs/conformance-results.md]
//
// 1. Builds the real kubelet of every minor of the version matrix (KUBERNETES_MINORS in
//    packages/kubelet-node/src/core/version-matrix.ts) at its latestPatch that is not in the cache yet, one at a time
//    with tools/real-binaries/build.sh (2-3 minutes per cold kubelet on an idle new 2-core machine, up to 26 under load; a kubelet that fails,
//    e.g. a staging module the Go module proxy refuses, gets a "build failed" row with the reason), then indexes the
//    built ones (build.sh, all cached: seconds; cri-dockerd's oldest and newest served release, pause and workload
//    images) into $cache/index-conformance-all.json, never over the index.json the other tests read.
//    --built-only builds nothing new: the minors whose kubelet is not in the cache are listed as "not built", or as
//    "build failed" with the reason build.sh recorded when it last tried ($cache/kubelet/<version>.failed).
//    A minor whose matrix patch the module proxy cannot serve (a refused module) runs on the newest of the three patches
//    below it that builds, and the table says so under its rows.
// 2. Runs generators/tests/conformance.test.ts once per built kubelet (NX_KUBELET_REAL_INDEX=that index,
//    NX_KUBELET_CONFORMANCE_VERSIONS=<version>), one after the other (never in parallel), with Jest's JSON report.
// 3. Writes the table: the date, the machine's facts (kernel, cgroup mode, Docker, Go, CPUs), and per kubelet ×
//    cri-dockerd case the result (pass, or fail with the failing step and the first line of its error), the time of
//    `nx run <node>:up` (until the kubelet is healthy) and of the static pod's way to Running (the side-loads and the
//    TEST-ONLY runc wrapper included), as Jest timed those steps.
// Exits non-zero when a build or a case failed (the table is written anyway) or no kubelet is built at all.
// The table is produced by this command only; never edit it by hand.
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative } = require('node:path');

const root = join(__dirname, '..', '..');
const cache = process.env.NX_KUBELET_REAL_CACHE || '/var/cache/nx-kubelet/real-binaries';
const indexFile = join(cache, 'index-conformance-all.json');
const args = process.argv.slice(2);
const builtOnly = args.includes('--built-only');
const outputFile = join(root, args.includes('--output') ? args[args.indexOf('--output') + 1] : 'docs/conformance-results.md');
const matrixFile = join(root, 'packages/kubelet-node/src/core/version-matrix.ts');

const say = (text) => process.stderr.write(`conformance-all: ${text}\n`);
const text = (argv, options = {}) => {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...options });
  return result.status === 0 ? result.stdout.trim() : '';
};

/** The matrix's rows: minor and its latestPatch version, as build.sh reads them. */
function matrixVersions() {
  const rows = [...readFileSync(matrixFile, 'utf8').matchAll(/minor: '(\d+\.\d+)', latestPatch: (\d+),/g)];
  if (rows.length === 0) throw new Error(`no minors found in ${matrixFile}`);
  return rows.map(([, minor, patch]) => ({ minor, version: `v${minor}.${patch}` }));
}

/** A kubelet that build.sh finished (it writes .built last): its build seconds, or undefined. */
function builtKubelet(version) {
  const dir = join(cache, 'kubelet', version);
  if (!existsSync(join(dir, 'kubelet')) || !existsSync(join(dir, '.built'))) return undefined;
  const seconds = readFileSync(join(dir, '.built'), 'utf8').match(/^seconds=(.*)$/m)?.[1];
  return { seconds: seconds ? Number(seconds) : null };
}

/**
 * build.sh for the given versions (space-separated), its output shown and kept; returns '' when it succeeded, else its
 * reason: a version the module proxy refuses, or build.sh's ERROR line.
 */
function buildSh(versions, index = indexFile) {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-all-build-'));
  const log = join(dir, 'build.log');
  const result = spawnSync('bash', ['-c', 'set -o pipefail; "$0" 2>&1 | tee "$1" >&2', join(__dirname, 'build.sh'), log], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NX_KUBELET_REAL_VERSIONS: versions, NX_KUBELET_REAL_INDEX: index },
  });
  const output = existsSync(log) ? readFileSync(log, 'utf8') : '';
  rmSync(dir, { recursive: true, force: true });
  if (result.status === 0) return '';
  return failureReason(output) || `build.sh exited with ${result.status}`;
}

/** The short reason of a failed build: a version the module proxy refuses, or build.sh's ERROR line. */
function failureReason(output) {
  const refused = output.match(/reading https:\/\/\S+?\/([^@\s]+)\/@v\/(v[^/\s]+)\.(?:zip|mod|info): (\d{3})/);
  if (refused) return `the module proxy refuses ${refused[1]} ${refused[2]} (${refused[3]})`;
  const error = output.match(/real-binaries: ERROR: ([^\n]*)/) ?? output.match(/^([^\n]+)/);
  return error ? error[1].slice(0, 160) : '';
}

function machineFacts() {
  const cgroupFs = text(['stat', '-fc', '%T', '/sys/fs/cgroup']);
  return {
    kernel: text(['uname', '-r']),
    cgroup: cgroupFs === 'cgroup2fs' ? 'v2 (unified)' : cgroupFs ? `v1 (${cgroupFs})` : 'unknown',
    docker: text(['docker', 'version', '--format', '{{.Server.Version}}']) || 'not reachable',
    storage: text(['docker', 'info', '--format', '{{.Driver}} storage, {{.CgroupDriver}} cgroup driver']),
    go: text(['go', 'env', 'GOVERSION']) || 'not installed',
    cpus: text(['nproc']),
    node: process.version,
  };
}

/** One conformance run for one kubelet: Jest's JSON report, read back into cases. */
function runConformance(version) {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-all-'));
  const report = join(dir, 'report.json');
  const jest = require.resolve('jest/bin/jest', { paths: [root] });
  const started = Date.now();
  spawnSync(
    process.execPath,
    [
      jest,
      '--config',
      'jest.config.js',
      '--selectProjects',
      'integration',
      '--testPathPatterns',
      'generators/tests/conformance\\.test\\.ts',
      '--json',
      `--outputFile=${report}`,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NX_KUBELET_REAL_INDEX: indexFile, NX_KUBELET_CONFORMANCE_VERSIONS: version },
    },
  );
  const seconds = (Date.now() - started) / 1000;
  let json;
  try {
    json = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    json = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
  if (!json?.testResults?.length) return { seconds, error: 'Jest wrote no report (see the output above)', cases: [] };
  const file = json.testResults[0];
  const assertions = file.assertionResults ?? [];
  const firstLine = (messages) =>
    (messages?.[0] ?? '')
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line && !line.startsWith('expect(') && !line.startsWith('at ')) ?? '';
  // The first test checks the index; the others are grouped by their describe block: one kubelet × cri-dockerd case.
  const indexCheck = assertions.find((a) => a.ancestorTitles.length === 0);
  const groups = new Map();
  for (const a of assertions.filter((x) => x.ancestorTitles.length > 0)) {
    const title = a.ancestorTitles.join(' › ');
    if (!groups.has(title)) groups.set(title, []);
    groups.get(title).push(a);
  }
  const cases = [...groups].map(([title, steps]) => {
    const failed = steps.find((s) => s.status === 'failed');
    const duration = (pattern) => {
      const step = steps.find((s) => pattern.test(s.title) && s.status === 'passed');
      return step ? (step.duration / 1000).toFixed(1) : '';
    };
    return {
      criDockerd: title.match(/cri-dockerd (v[\d.]+)/)?.[1] ?? '?',
      passed: !failed && steps.every((s) => s.status === 'passed'),
      failure: failed ? `${failed.title}: ${firstLine(failed.failureMessages)}` : steps.find((s) => s.status !== 'passed') ? 'not run' : '',
      up: duration(/comes up healthy/),
      pod: duration(/static pod to Running/),
    };
  });
  const suiteError = file.status === 'failed' && assertions.length === 0 ? firstLine([file.message]) : '';
  const indexError = indexCheck && indexCheck.status !== 'passed' ? `index check: ${firstLine(indexCheck.failureMessages)}` : '';
  return { seconds, error: suiteError || indexError, cases };
}

const cell = (value) =>
  String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ')
    .slice(0, 240);

let tableNotes = [];

function writeTable(rows, facts, started, buildOk, partial = false) {
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const passed = rows.filter((r) => r.result === 'pass').length;
  const lines = [
    '# Conformance results: every supported minor, for real',
    '',
    `<!-- Written by \`npm run conformance:all\` (tools/real-binaries/conformance-all.js); never edit by hand. -->`,
    '',
    `Run on **${date}**, ${((Date.now() - started) / 60000).toFixed(0)} minutes${partial ? ' so far (the run is still going or was stopped)' : ' in all'}${builtOnly ? ' (`--built-only`: no kubelet was built for this run)' : ''}.`,
    'Each row is `generators/tests/conformance.test.ts` for one real kubelet × cri-dockerd pair: the node generated with',
    '`--binarySource=local`, built and started with `nx run <node>:up`, a static pod (busybox httpd) Running through',
    "cri-dockerd and the node's own dockerd and answering, the cgroup driver taken from cri-dockerd, the node dockerd's",
    'minimum API, `status`, and `down --volumes` leaving nothing behind. The nodes are generated for kicbase v0.0.50 on',
    "its kicbase-like stand-in `nx-kubelet/kicbase-like:v0.0.50` (Docker 28.5 with Docker 29's minimum API 1.44,",
    'containerd 2.1; [the kicbase stand-ins](contributing.md#the-kicbase-stand-ins)). The kubelets are built from the Go',
    'module proxy by `tools/real-binaries/build.sh` (static, version-stamped), at the matrix patch of each minor',
    '([version matrix](version-matrix.md)); the other test-only parts are those of conformance.test.ts (locally built',
    'pause and workload images, the TEST-ONLY runc wrapper).',
    '',
    '| machine | |',
    '| --- | --- |',
    `| kernel | ${facts.kernel} |`,
    `| cgroup mode | ${facts.cgroup} |`,
    `| Docker (host engine) | ${facts.docker}${facts.storage ? `, ${facts.storage}` : ''} |`,
    `| Go (builds) | ${facts.go} |`,
    `| CPUs, Node.js | ${facts.cpus}, ${facts.node} |`,
    '',
    `**${passed} of ${rows.length} cases passed**${buildOk ? '' : '; the build of some kubelet failed or was not done (see the rows)'}.`,
    'Times: `up` is the `nx run <node>:up` step (image build from the cached base, start, until the kubelet answers',
    '/healthz); `pod Running` is the step from the side-loads and the runc wrapper until the pod is Running and answers.',
    '',
    '| minor | kubelet | cri-dockerd | result | failing step | up (s) | pod Running (s) | kubelet build (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.minor} | ${r.version} | ${cell(r.criDockerd)} | ${r.result} | ${cell(r.failure)} | ${r.up} | ${r.pod} | ${r.build} |`),
    ...(tableNotes.length ? ['', ...tableNotes.map((note) => `- ${note}`)] : []),
    '',
    'Run it for one version or for all:',
    '',
    '```bash',
    'NX_KUBELET_REAL_VERSIONS=v1.35.8 NX_KUBELET_REAL_INDEX=/tmp/one.json tools/real-binaries/build.sh   # once per version (cached afterwards)',
    'NX_KUBELET_REAL_INDEX=/tmp/one.json NX_KUBELET_CONFORMANCE_VERSIONS=v1.35.8 npx jest --config jest.config.js --selectProjects integration --testPathPatterns conformance',
    'npm run conformance:all                                                                              # every minor, and this table',
    '```',
    '',
  ];
  writeFileSync(outputFile, lines.join('\n'));
  if (!partial) say(`wrote ${relative(root, outputFile)}: ${passed} of ${rows.length} cases passed`);
}

function main() {
  const started = Date.now();
  const targets = matrixVersions();
  say(`minors ${targets.map((t) => t.minor).join(' ')} at ${targets.map((t) => t.version).join(' ')}`);
  const buildFailures = new Map();
  if (!builtOnly) {
    // One kubelet at a time, so that one that fails (a module the proxy refuses) costs only its own row. The newest
    // minor of the matrix goes along each time: build.sh compiles the pause images from the newest kubelet it builds.
    const newest = targets[targets.length - 1].version;
    const scratch = mkdtempSync(join(tmpdir(), 'conformance-all-index-'));
    for (const target of targets.filter((t) => !builtKubelet(t.version))) {
      say(`building kubelet ${target.version} (build.sh; 2-3 min cold on an idle 2-core machine, more under load)`);
      const failure = buildSh([...new Set([target.version, newest])].join(' '), join(scratch, 'index.json'));
      if (failure) buildFailures.set(target.version, failure);
    }
    rmSync(scratch, { recursive: true, force: true });
  }
  // A minor whose matrix patch cannot be built because the module proxy refuses one of its modules runs on the newest
  // of the three patches below it that builds (the row and the note under the table say so).
  const substitutions = [];
  for (const [i, target] of targets.entries()) {
    if (builtKubelet(target.version)) continue;
    const recorded = join(cache, 'kubelet', `${target.version}.failed`);
    const reason = buildFailures.get(target.version) ?? (existsSync(recorded) ? failureReason(readFileSync(recorded, 'utf8')) : '');
    if (!reason.startsWith('the module proxy refuses')) continue;
    const patch = Number(target.version.split('.')[2]);
    for (let p = patch - 1; p >= Math.max(0, patch - 3); p--) {
      const version = `v${target.minor}.${p}`;
      if (!builtKubelet(version)) {
        if (builtOnly) continue;
        say(`building kubelet ${version} instead of ${target.version} (${reason})`);
        if (buildSh([...new Set([version, targets[targets.length - 1].version])].join(' '), join(tmpdir(), `conformance-all-sub-${process.pid}.json`)))
          continue;
      }
      targets[i] = { ...target, version };
      buildFailures.delete(target.version);
      substitutions.push(`${target.minor}: ${version} instead of the matrix patch ${target.version}, which cannot be built here (${reason}).`);
      break;
    }
  }
  rmSync(join(tmpdir(), `conformance-all-sub-${process.pid}.json`), { force: true });
  tableNotes = substitutions;
  const buildOk = buildFailures.size === 0;
  const built = targets.filter((t) => builtKubelet(t.version));
  if (built.length === 0) throw new Error(`no kubelet of the matrix is built in ${cache}${builtOnly ? '; run without --built-only' : ''}`);
  // The index of what is built (all cached by now: seconds), for the conformance runs.
  say(`index of the built kubelets: ${built.map((t) => t.version).join(' ')}`);
  const indexing = buildSh(built.map((t) => t.version).join(' '));
  if (indexing) throw new Error(`build.sh could not index the built kubelets ${built.map((t) => t.version).join(' ')}: ${indexing}`);
  const index = JSON.parse(readFileSync(indexFile, 'utf8'));
  const facts = machineFacts();
  const rows = [];
  let allPassed = buildOk;
  const notBuilt = (target, build) => {
    // This run's failure, or the one build.sh recorded when it last tried (--built-only).
    const recorded = join(cache, 'kubelet', `${target.version}.failed`);
    const failed = buildFailures.get(target.version) ?? (existsSync(recorded) ? failureReason(readFileSync(recorded, 'utf8')) || 'build.sh failed' : undefined);
    const why = failed ?? (builtOnly ? 'not in the cache (--built-only)' : 'not in the index');
    return { ...target, criDockerd: '', result: failed ? 'build failed' : 'not built', failure: why, up: '', pod: '', build };
  };
  for (const target of targets) {
    const kubelet = builtKubelet(target.version);
    const build = kubelet?.seconds != null ? kubelet.seconds.toFixed(0) : '';
    if (!kubelet || !index.kubelets.some((k) => k.version === target.version)) {
      rows.push(notBuilt(target, build));
      allPassed = false;
      continue;
    }
    // The table so far, in case the run is stopped: the kubelets still to run say so.
    const pending = targets
      .slice(targets.indexOf(target))
      .map((t) =>
        builtKubelet(t.version)
          ? { ...t, criDockerd: '', result: 'not run', failure: 'the run stopped before this kubelet', up: '', pod: '', build: '' }
          : notBuilt(t, ''),
      );
    writeTable([...rows, ...pending], facts, started, buildOk, true);
    say(`conformance of kubelet ${target.version}`);
    const run = runConformance(target.version);
    if (run.cases.length === 0 || run.error) allPassed = false;
    if (run.cases.length === 0) {
      rows.push({
        ...target,
        criDockerd: index.criDockerd.map((c) => c.version).join(', '),
        result: 'fail',
        failure: run.error || 'no case ran',
        up: '',
        pod: '',
        build,
      });
    }
    for (const c of run.cases) {
      if (!c.passed) allPassed = false;
      const failure = [run.error, c.failure].filter(Boolean).join('; ');
      rows.push({ ...target, criDockerd: c.criDockerd, result: c.passed && !run.error ? 'pass' : 'fail', failure, up: c.up, pod: c.pod, build });
    }
  }
  writeTable(rows, facts, started, buildOk);
  return allPassed ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  say(`ERROR: ${error.message}`);
  process.exitCode = 1;
}
