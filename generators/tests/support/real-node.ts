/**
 * Nodes with REAL binaries (tools/real-binaries/build.sh): what a test needs to find them, and to run pods in a node
 * on these machines, which have no registry and no CAP_SYS_RESOURCE. Used by conformance.test.ts;
 * tools/bench/real-kubelet.js does the same steps in plain JavaScript.
 */
import { appendFileSync, chmodSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './validators';
import { REPO_ROOT } from './workspace';

export const REAL_BINARIES_CACHE = process.env.NX_KUBELET_REAL_CACHE ?? '/var/cache/nx-kubelet/real-binaries';
/** The index the tests read: build.sh's NX_KUBELET_REAL_INDEX (conformance-all.js points it at its own index). */
export const REAL_BINARIES_INDEX = process.env.NX_KUBELET_REAL_INDEX ?? join(REAL_BINARIES_CACHE, 'index.json');
export const REAL_BINARIES_SCRIPT = `${REPO_ROOT}/tools/real-binaries/build.sh`;
/** TEST-ONLY runc wrapper (see the file): clamps the negative oom_score_adj that these VMs cannot grant. */
export const RUNC_OOM_CLAMP = `${REPO_ROOT}/tools/real-binaries/runc-oom-clamp`;

export interface RealKubelet {
  version: string;
  minor: string;
  path: string;
  goMod: string;
  pause: string;
  buildSeconds: number | null;
}
export interface RealCriDockerd {
  version: string;
  path: string;
  goMod: string;
  buildSeconds: number | null;
}
export interface RealBinaries {
  go: string;
  defaultMinor: string;
  criDockerdMinimum: string;
  kubelets: RealKubelet[];
  criDockerd: RealCriDockerd[];
  pauseImages: string[];
  workloadImage: string;
}

/**
 * The index build.sh wrote, checked: every binary is there and executable, every image is in the engine.
 * Throws (so the tests fail, never skip) saying how to build what is missing.
 */
export function readRealBinaries(): RealBinaries {
  const hint = `Build them with ${REAL_BINARIES_SCRIPT} (NX_KUBELET_REAL_CACHE=${REAL_BINARIES_CACHE}).`;
  const indexPath = REAL_BINARIES_INDEX;
  if (!existsSync(indexPath)) throw new Error(`The real binaries are not built: ${indexPath} is missing. ${hint}`);
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as RealBinaries;
  if (!index.kubelets?.length || !index.criDockerd?.length) throw new Error(`${indexPath} lists no kubelet or no cri-dockerd. ${hint}`);
  for (const { path } of [...index.kubelets, ...index.criDockerd]) {
    if (run('test', ['-x', path]).status !== 0) throw new Error(`${path} (listed in ${indexPath}) is missing or not executable. ${hint}`);
  }
  for (const image of [...index.pauseImages, index.workloadImage]) {
    const label = run('docker', ['image', 'inspect', '--format', '{{ index .Config.Labels "org.nx-kubelet.real-binaries" }}', image]);
    if (label.status !== 0 || !label.stdout.trim()) throw new Error(`The image ${image} is not in the engine (or not built by build.sh). ${hint}`);
  }
  return index;
}

/**
 * Newest patch per minor in the index, then: which kubelet × cri-dockerd pairs a conformance run covers. `only`
 * (NX_KUBELET_CONFORMANCE_VERSIONS: kubelet versions or minors, separated by spaces or commas, e.g. "v1.30.14" or
 * "1.30,1.37"; tools/real-binaries/conformance-all.js runs one kubelet at a time with it) keeps those kubelets' cases;
 * a name that matches no kubelet in the index throws, so a run never passes by testing nothing.
 */
export function conformanceCases(
  index: RealBinaries,
  only: string | undefined = process.env.NX_KUBELET_CONFORMANCE_VERSIONS,
): { kubelet: RealKubelet; criDockerd: RealCriDockerd }[] {
  const byVersion = (a: { version: string }, b: { version: string }) => a.version.localeCompare(b.version, undefined, { numeric: true });
  const cris = [...index.criDockerd].sort(byVersion);
  const kubelets = [...index.kubelets].sort(byVersion);
  const newestMinor = kubelets[kubelets.length - 1].minor;
  const wanted = (only ?? '').split(/[\s,]+/).filter(Boolean);
  for (const name of wanted) {
    if (!kubelets.some((k) => k.version === name || k.minor === name.replace(/^v/, ''))) {
      throw new Error(
        `NX_KUBELET_CONFORMANCE_VERSIONS names ${name}, which is not in the real binaries' index (${kubelets.map((k) => k.version).join(', ')}).`,
      );
    }
  }
  const cases: { kubelet: RealKubelet; criDockerd: RealCriDockerd }[] = [];
  for (const kubelet of kubelets) {
    if (wanted.length && !wanted.some((name) => kubelet.version === name || kubelet.minor === name.replace(/^v/, ''))) continue;
    // cri-dockerd's oldest and newest for the default and the newest minor; the newest for every other built minor.
    const both = kubelet.minor === index.defaultMinor || kubelet.minor === newestMinor;
    for (const criDockerd of both ? [cris[0], cris[cris.length - 1]].filter((c, i, all) => all.indexOf(c) === i) : [cris[cris.length - 1]]) {
      cases.push({ kubelet, criDockerd });
    }
  }
  return cases;
}

const check = (result: { status: number | null; stdout: string; stderr: string }, what: string) => {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${result.stderr || result.stdout}`);
  return result.stdout;
};

/** `docker exec <container> sh -c <script>`; throws with the output when it fails. */
export function nodeSh(container: string, script: string, input?: string): string {
  return check(
    run('docker', ['exec', ...(input === undefined ? [] : ['-i']), container, 'sh', '-c', script], { input }),
    `docker exec ${container} sh -c '${script}'`,
  );
}

/**
 * TEST-ONLY: registers {@link RUNC_OOM_CLAMP} as the default runtime of the node's own dockerd (daemon.json
 * `runtimes` + `default-runtime`, merged into what is there), then restarts docker in the node. Needed on VMs
 * without CAP_SYS_RESOURCE; a real host does not need it.
 */
export function installRuncOomClamp(container: string): void {
  const realRunc = nodeSh(container, 'command -v runc').trim();
  if (!realRunc) throw new Error(`no runc in ${container}`);
  const wrapper = readFileSync(RUNC_OOM_CLAMP, 'utf8').replace(/^REAL_RUNC=.*$/m, `REAL_RUNC=\${REAL_RUNC:-${realRunc}}`);
  nodeSh(container, 'cat > /usr/local/bin/runc-oom-clamp && chmod 0755 /usr/local/bin/runc-oom-clamp', wrapper);
  const current = nodeSh(container, 'cat /etc/docker/daemon.json 2>/dev/null || true').trim();
  const config = current ? JSON.parse(current) : {};
  config.runtimes = { ...(config.runtimes ?? {}), 'runc-oom-clamp': { path: '/usr/local/bin/runc-oom-clamp' } };
  config['default-runtime'] = 'runc-oom-clamp';
  nodeSh(container, 'mkdir -p /etc/docker && cat > /etc/docker/daemon.json', `${JSON.stringify(config, null, 2)}\n`);
  nodeSh(container, 'systemctl restart docker && for i in $(seq 1 60); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1');
  const runtime = nodeSh(container, "docker info --format '{{.DefaultRuntime}}'").trim();
  if (runtime !== 'runc-oom-clamp') throw new Error(`the node's dockerd default runtime is ${runtime}, not runc-oom-clamp`);
}

/** Side-loads images from the host engine into the node's own dockerd: `docker save | docker exec -i … docker load`. */
export function sideLoadImages(container: string, images: string[]): void {
  const result = run('sh', ['-c', 'docker save "$@" | docker exec -i "$0" docker load', container, ...images]);
  check(result, `docker save ${images.join(' ')} | docker exec -i ${container} docker load`);
}

export interface KubeletPod {
  metadata: { name: string; namespace: string; uid?: string; annotations?: Record<string, string> };
  status?: { phase?: string; podIP?: string; containerStatuses?: { name: string; ready?: boolean; state?: Record<string, unknown> }[] };
}

/** The pods the kubelet runs, from its read-only API inside the node (10255). */
export function kubeletPods(container: string): KubeletPod[] {
  const result = run('docker', ['exec', container, 'curl', '-fsS', 'http://127.0.0.1:10255/pods']);
  if (result.status !== 0) return [];
  return (JSON.parse(result.stdout).items ?? []) as KubeletPod[];
}

/** Polls until `condition` returns a value (not undefined), at most `timeoutMs`; throws with `describe()` otherwise. */
export async function pollFor<T>(condition: () => T | undefined, timeoutMs: number, describe: () => string, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A static pod manifest for busybox httpd from the workload image (shared with tools/bench/real-kubelet.js). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const httpdManifest: (image: string, name?: string, body?: string) => string = require('../../../tools/real-binaries/workload-pod').httpdManifest;

/**
 * The `nx g` arguments of a node for the real binaries: --binarySource=local (the test copies them into bin/ with
 * {@link putRealBinaries}), their versions, no example pod, then `flags` (the base image, an engine, …).
 */
export function realNodeArgs(node: string, kubelet: RealKubelet, criDockerd: RealCriDockerd, ...flags: string[]): string[] {
  return [
    'g',
    'nx-kubelet:kubelet-node',
    node,
    '--binarySource=local',
    `--kubeVersion=${kubelet.version}`,
    `--criDockerdVersion=${criDockerd.version}`,
    '--examplePod=false',
    ...flags,
  ];
}

/** Copies the real kubelet and cri-dockerd into a node's bin/ (its --binarySource=local binaries). */
export function putRealBinaries(dir: string, kubelet: RealKubelet, criDockerd: RealCriDockerd): void {
  for (const [binary, from] of [
    ['kubelet', kubelet.path],
    ['cri-dockerd', criDockerd.path],
  ]) {
    copyFileSync(from, join(dir, 'bin', binary));
    chmodSync(join(dir, 'bin', binary), 0o755);
  }
}

/**
 * TEST-ONLY: bakes the runc wrapper into a node's image as its dockerd's default runtime (bin/ is in the build
 * context), so that pods run from the first boot on these VMs, which lack CAP_SYS_RESOURCE. `test` names the test
 * in the Dockerfile's comment.
 */
export function bakeRuncOomClamp(dir: string, test: string): void {
  copyFileSync(RUNC_OOM_CLAMP, join(dir, 'bin', 'runc-oom-clamp'));
  chmodSync(join(dir, 'bin', 'runc-oom-clamp'), 0o755);
  appendFileSync(
    join(dir, 'Dockerfile.kicbase'),
    [
      `# TEST-ONLY (${test}): these VMs lack CAP_SYS_RESOURCE; see tools/real-binaries/runc-oom-clamp.`,
      'COPY bin/runc-oom-clamp /usr/local/bin/runc-oom-clamp',
      `RUN chmod 0755 /usr/local/bin/runc-oom-clamp && mkdir -p /etc/docker && printf '%s' '{"runtimes":{"runc-oom-clamp":{"path":"/usr/local/bin/runc-oom-clamp"}},"default-runtime":"runc-oom-clamp"}' > /etc/docker/daemon.json`,
      '',
    ].join('\n'),
  );
}
