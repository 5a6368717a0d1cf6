/**
 * Conformance on REAL binaries: for each kubelet that tools/real-binaries/build.sh built (from the Go module proxy,
 * static and version-stamped), a node generated through the real nx CLI with --binarySource=local, the real kubelet
 * and cri-dockerd in its bin/, built and started with `nx run <node>:build` / `:up`, becomes healthy and runs a static
 * pod (busybox httpd) to Running through cri-dockerd and the node's own dockerd. cri-dockerd's oldest and newest
 * served release are both tested for the default and the newest Kubernetes minor.
 *
 * STAND-INS and test-only parts, said plainly: the kicbase base image is the local kicbase-like stand-in for
 * kicbase v0.0.50 (systemd on Debian bookworm, Docker 28.5 with Docker 29's minimum API 1.44, containerd 2, an
 * entrypoint that does what kicbase's does; tools/images/kicbase-like), so both cri-dockerd releases are proven
 * against Docker 29's API floor; the pause and workload images are built locally (pause.c of the same Kubernetes module;
 * Debian's busybox-static) and side-loaded into the node's dockerd, since there is no registry; and a TEST-ONLY runc
 * wrapper (tools/real-binaries/runc-oom-clamp) clamps the negative oom_score_adj of pod sandboxes, because these VMs
 * lack CAP_SYS_RESOURCE. Everything else is real. Missing binaries or images fail the test; nothing is skipped.
 */
import { chmodSync, copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_VERSIONS, KUBERNETES_MINORS } from 'kubelet-node';
import { KICBASE_LIKE_FLAGS, leftovers, nodeContainer, removeProject, requireEngine, requireKicbaseLike } from './support/engine';
import {
  conformanceCases,
  httpdManifest,
  installRuncOomClamp,
  kubeletPods,
  nodeSh,
  pollFor,
  RealBinaries,
  readRealBinaries,
  sideLoadImages,
  realNodeArgs,
} from './support/real-node';
import { run } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

const suffix = process.pid.toString(36);
const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;

let index: RealBinaries | undefined;
let indexError: Error | undefined;
try {
  index = readRealBinaries();
} catch (error) {
  indexError = error as Error;
}

let workspace: string;
const nodes: string[] = [];

beforeAll(() => {
  requireEngine();
  requireKicbaseLike();
  workspace = copyWorkspace();
});

afterAll(() => {
  for (const node of nodes) removeProject(node);
  removeWorkspace(workspace);
});

it('the real binaries are built: the default minor and the newest minor (or the chosen kubelets), cri-dockerd oldest and newest', () => {
  if (indexError) throw indexError;
  const real = index!;
  // The matrix's default minor and (at least) its newest minor, as the tests see the matrix now; a run for chosen
  // kubelets (NX_KUBELET_CONFORMANCE_VERSIONS, e.g. from conformance-all.js) needs only those (conformanceCases checks).
  const minorNumber = (minor: string) => Number(minor.split('.')[1]);
  expect(real.defaultMinor).toBe(DEFAULT_VERSIONS.kubernetes.replace(/^v(\d+\.\d+)\..*$/, '$1'));
  if (!process.env.NX_KUBELET_CONFORMANCE_VERSIONS) {
    expect(real.kubelets.map((k) => k.minor)).toContain(real.defaultMinor);
    expect(Math.max(...real.kubelets.map((k) => minorNumber(k.minor)))).toBeGreaterThanOrEqual(Math.max(...KUBERNETES_MINORS.map((m) => minorNumber(m.minor))));
  }
  expect(real.criDockerd.length).toBeGreaterThanOrEqual(2);
  for (const kubelet of real.kubelets) {
    expect(run(kubelet.path, ['--version']).stdout.trim()).toBe(`Kubernetes ${kubelet.version}`);
    // Static: no program interpreter.
    expect(run('sh', ['-c', `head -c 4096 "$0" | grep -ac ld-linux || true`, kubelet.path]).stdout.trim()).toBe('0');
    expect(real.pauseImages).toContain(`registry.k8s.io/pause:${kubelet.pause}`);
  }
  for (const cri of real.criDockerd) {
    expect(run(cri.path, ['--version']).stdout + run(cri.path, ['--version']).stderr).toContain(`cri-dockerd ${cri.version.slice(1)}`);
  }
  expect(real.workloadImage).toMatch(/^nx-kubelet\//);
});

for (const { kubelet, criDockerd } of index ? conformanceCases(index) : []) {
  const node = `cf-${kubelet.minor.replace('.', '')}-${criDockerd.version.replace(/\D/g, '')}-${suffix}`;
  const known = KUBERNETES_MINORS.some((m) => m.minor === kubelet.minor);
  let container = '';

  describe(`kubelet ${kubelet.version} with cri-dockerd ${criDockerd.version}`, () => {
    it('is generated with --binarySource=local, gets the real binaries and a static pod, and builds', () => {
      nodes.push(node);
      const args = realNodeArgs(node, kubelet, criDockerd, ...KICBASE_LIKE_FLAGS, ...(known ? [] : ['--allowUnknownVersions']));
      const generated = nx(workspace, args);
      expect(output(generated)).toContain(`CREATE packages/${node}/Dockerfile.kicbase`);
      expect(generated.status).toBe(0);
      const dir = join(workspace, 'packages', node);
      for (const [binary, from] of [
        ['kubelet', kubelet.path],
        ['cri-dockerd', criDockerd.path],
      ]) {
        copyFileSync(from, join(dir, 'bin', binary));
        chmodSync(join(dir, 'bin', binary), 0o755);
      }
      // Written like the generator's hello-world.yaml: a manifest in the node's manifests/ (atomically: temp + rename).
      mkdirSync(join(dir, 'manifests'), { recursive: true });
      writeFileSync(join(dir, 'manifests', '.httpd.yaml.tmp'), httpdManifest(index!.workloadImage));
      renameSync(join(dir, 'manifests', '.httpd.yaml.tmp'), join(dir, 'manifests', 'httpd.yaml'));

      const built = nx(workspace, ['run', `${node}:build`]);
      expect(output(built)).toContain(`naming to docker.io/library/nx-kubelet-${node}:${kubelet.version}`);
      expect(built.status).toBe(0);
      const versions = run('docker', [
        'run',
        '--rm',
        '--entrypoint',
        'sh',
        `nx-kubelet-${node}:${kubelet.version}`,
        '-c',
        'kubelet --version; cri-dockerd --version 2>&1',
      ]);
      expect(versions.stdout).toContain(`Kubernetes ${kubelet.version}`);
      expect(versions.stdout).toContain(`cri-dockerd ${criDockerd.version.slice(1)}`);
    });

    it('comes up healthy with nx run :up', () => {
      // --waitForPods=false: the pod can only run once the TEST-ONLY runc wrapper is in (the next test installs it);
      // day2.test.ts covers up's wait for pods, with the wrapper baked into its node's image.
      const up = nx(workspace, ['run', `${node}:up`, '--waitForPods=false']);
      expect(output(up)).toMatch(/kubelet healthy after \d+ s/);
      expect(up.status).toBe(0);
      container = nodeContainer(node);
      expect(container).toMatch(/^[0-9a-f]{12,}$/);
      expect(nodeSh(container, 'kubelet --version').trim()).toBe(`Kubernetes ${kubelet.version}`);
    });

    it("runs the static pod to Running through cri-dockerd and the node's own dockerd", async () => {
      installRuncOomClamp(container);
      sideLoadImages(container, [`registry.k8s.io/pause:${kubelet.pause}`, index!.workloadImage]);
      const pod = await pollFor(
        () =>
          kubeletPods(container).find(
            (p) => p.metadata.name === `httpd-${node}` && p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running !== undefined,
          ),
        150_000,
        () => `pod httpd-${node} Running; kubelet: ${nodeSh(container, 'journalctl -u kubelet --no-pager -n 15 2>&1 || true')}`,
      );
      const names = nodeSh(container, "docker ps --format '{{.Names}} {{.Image}}'");
      // cri-dockerd creates the container from the image ID the kubelet resolved: docker ps shows its short form.
      const workloadId = nodeSh(container, `docker image inspect --format '{{.Id}}' ${index!.workloadImage}`)
        .trim()
        .replace(/^sha256:/, '')
        .slice(0, 12);
      expect(names).toMatch(new RegExp(`^k8s_httpd_httpd-${node}_default_\\S+ (${index!.workloadImage.replace(/[.:/]/g, '\\$&')}|${workloadId})$`, 'm'));
      expect(names).toMatch(new RegExp(`^k8s_POD_httpd-${node}_default_\\S+ registry\\.k8s\\.io/pause:${kubelet.pause.replace(/\./g, '\\.')}$`, 'm'));
      // The pod answers on its Docker bridge address.
      expect(pod.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(nodeSh(container, `curl -fsS http://${pod.status!.podIP}:8080/`).trim()).toBe('nx-kubelet-conformance');
    });

    it("takes the cgroup driver from cri-dockerd, which reports the node dockerd's", () => {
      const journal = nodeSh(container, 'journalctl -u kubelet --no-pager 2>&1');
      const driver = nodeSh(container, "docker info --format '{{.CgroupDriver}}'").trim();
      expect(journal).toContain('Using cgroup driver setting received from the CRI runtime');
      expect(journal).toMatch(new RegExp(`cgroupDriver="${driver}"`));
      // The node's Docker has Docker 29's API floor, which cri-dockerd passed.
      expect(nodeSh(container, "docker version --format '{{.Server.MinAPIVersion}}'").trim()).toBe('1.44');
      process.stdout.write(
        `conformance: ${kubelet.version} + cri-dockerd ${criDockerd.version}: node dockerd cgroup driver ${driver}, ` +
          `Docker ${nodeSh(container, "docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}}, min {{.Server.MinAPIVersion}})'").trim()}\n`,
      );
    });

    it('status is healthy and lists the pod; down --volumes leaves nothing behind', () => {
      const status = nx(workspace, ['run', `${node}:status`]);
      expect(output(status)).toContain('kubelet      healthy (/healthz: ok)');
      expect(output(status)).toContain(`default/httpd-${node}`);
      expect(status.status).toBe(0);
      expect(nx(workspace, ['run', `${node}:down`, '--volumes']).status).toBe(0);
      expect(leftovers(node)).toEqual({ containers: [], volumes: [], networks: [] });
    });
  });
}
