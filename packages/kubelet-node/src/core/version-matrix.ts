/**
 * The version matrix: which Kubernetes, cri-dockerd and kicbase releases a node can be generated for, and the facts
 * that follow from each choice (Go toolchain, pause image, minimum cri-dockerd).
 *
 * Facts come from ../shared/reference/kubelet-domain.md (a snapshot of the upstream repositories, ~Aug 2026);
 * each table names its upstream source. Pure data: no I/O, no Nx.
 */

export interface KubernetesMinor {
  /** `1.34` */
  minor: string;
  /** Latest patch known when this matrix was written; a bare `--kubeVersion=1.34` resolves to it. */
  latestPatch: number;
  /**
   * Go minor to build the kubelet with: the `go` directive of the minor's go.mod (the oldest Go that compiles it,
   * and the one its .0 release shipped with). Newer Go minors work too.
   */
  go: string;
  /** Pause (sandbox) image tag that kubeadm pins for this minor. */
  pauseTag: string;
  /** Oldest cri-dockerd that works with this minor. */
  minCriDockerd: string;
  /** Why {@link minCriDockerd} is the minimum. */
  minCriDockerdReason: string;
}

// Source: kubernetes/kubelet staging go.mod per tag (v0.29.0…v0.36.3); latest patches from minikube
// pkg/minikube/constants/constants_kubernetes_versions.go @2026-08-22; pause tags from kubeadm's constants
// (minikube constants_kubeadm_images.go). cri-dockerd minimums: kubelet 1.29 stopped protecting the pause image
// from GC, so the CRI must pin it (cri-dockerd #194, v0.3.10); kubelet 1.31 needs ImageFsInfo ContainerFilesystems
// for KubeletSeparateDiskGC (cri-dockerd #407, v0.3.16), without which eviction logs "missing image stats".
// Since 0.3.0 every minor needs v0.3.17: it answers the kubelet's RuntimeConfig with Docker's cgroup driver (#425), so
// the kubelet and Docker never run two cgroup managers (1.31+ ask by default; nodes below 1.31 enable the gate).
/** The first cri-dockerd that tells the kubelet Docker's cgroup driver (RuntimeConfig, cri-dockerd #425). */
export const CRI_DOCKERD_RUNTIME_CONFIG_SINCE = 'v0.3.17';
const RUNTIME_CONFIG = `${CRI_DOCKERD_RUNTIME_CONFIG_SINCE} tells the kubelet Docker's cgroup driver (RuntimeConfig, cri-dockerd #425); older releases leave the kubelet on its own cgroupDriver setting, and a node whose Docker uses systemd would run two cgroup managers`;
const PINS_PAUSE = `${RUNTIME_CONFIG}; v0.3.10 pins the sandbox image, which kubelet 1.29+ no longer protects from image GC (cri-dockerd #194)`;
const IMAGE_FS_INFO = `${RUNTIME_CONFIG}; v0.3.16 reports ImageFsInfo ContainerFilesystems, needed by kubelet 1.31+ (else eviction fails with "missing image stats", cri-dockerd #407)`;

export const KUBERNETES_MINORS: readonly KubernetesMinor[] = [
  { minor: '1.29', latestPatch: 15, go: '1.21', pauseTag: '3.9', minCriDockerd: 'v0.3.17', minCriDockerdReason: PINS_PAUSE },
  { minor: '1.30', latestPatch: 14, go: '1.22', pauseTag: '3.9', minCriDockerd: 'v0.3.17', minCriDockerdReason: PINS_PAUSE },
  { minor: '1.31', latestPatch: 14, go: '1.22', pauseTag: '3.10', minCriDockerd: 'v0.3.17', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.32', latestPatch: 13, go: '1.23', pauseTag: '3.10', minCriDockerd: 'v0.3.17', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.33', latestPatch: 13, go: '1.24', pauseTag: '3.10', minCriDockerd: 'v0.3.17', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.34', latestPatch: 11, go: '1.24', pauseTag: '3.10.1', minCriDockerd: 'v0.3.17', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.35', latestPatch: 8, go: '1.25', pauseTag: '3.10.1', minCriDockerd: 'v0.3.17', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.36', latestPatch: 4, go: '1.26', pauseTag: '3.10.2', minCriDockerd: 'v0.3.17', minCriDockerdReason: IMAGE_FS_INFO },
  // 1.37: go.mod `go 1.26.0` and kubeadm's PauseVersion "3.10.2" (cmd/kubeadm/app/constants/constants.go), read from
  // the k8s.io/kubernetes v1.37.2 module on the Go module proxy (2026-11-25); v1.37.2 is the newest tag it serves. The
  // conformance tests run a real v1.37.2 kubelet built from that module.
  { minor: '1.37', latestPatch: 2, go: '1.26', pauseTag: '3.10.2', minCriDockerd: 'v0.3.17', minCriDockerdReason: IMAGE_FS_INFO },
];
// Re-checked on 2026-11-25 against the Go module proxy: it serves every latest patch above (and v1.34.12 and v1.36.5,
// 2026-09-23, which stay out of the matrix until a stored source pins their kubelet checksums; see kubelet-checksums.ts).
// The conformance tests build the kubelets they run from these modules.

export interface CriDockerdRelease {
  version: string;
  /** Release date (git tag). */
  date: string;
  /** The `go` directive of its go.mod: the oldest Go that builds it (with GOTOOLCHAIN=local). */
  go: string;
  /** SHA-256 of the release archives cri-dockerd-<v>.<arch>.tgz (cri-dockerd publishes none; pinned here). */
  sha256?: { amd64?: string; arm64?: string };
  /**
   * The Docker API it speaks: `starts`, the version its vendored Docker client asks for first (cri-dockerd negotiates
   * once, downwards from there, to the daemon's version; it never goes above it), and `min`, the oldest daemon API it
   * accepts. It starts on a Docker whose minimum API is at most `starts` and whose API is at least `min`.
   */
  dockerApi: { starts: string; min: string };
}

// Source: Mirantis/cri-dockerd go.mod and .github/.env per tag (tags up to v0.3.25 / v0.4.3, 2026-04-28).
// SHA-256 of the release archives: kubernetes-sigs/kubespray roles/kubespray_defaults/vars/main/checksums.yml
// (cri_dockerd_archive_checksums) @118b2dce for v0.3.10-v0.3.21 and @46dbdd39 (master, 2026-08-21) for
// v0.3.22-v0.3.25 (kubespray hashes the archives it downloads; its forks agree). v0.4.3: kubernetes/minikube@eb25dbc7
// deploy/iso/minikube-iso/arch/{x86_64/package/cri-dockerd,aarch64/package/cri-dockerd-aarch64}/cri-dockerd.hash
// (#22922, minikube's switch to the release archives); no stored source pins v0.4.0-v0.4.2: a release build of those
// needs CRI_DOCKERD_SHA256_<ARCH> set by the user.
// v0.3.19 is left out: the snapshot gives its go.mod only as a range (1.23.9-1.23.12); use --allowUnknownVersions.
// Two lines: release/0.3 (works with Docker 20.10+) and release/0.4 (Docker API >= 1.42, i.e. Docker 23+, #346).
// Docker API (dockerApi), from ../shared/reference/kubelet-domain.md §9.2 (cri-dockerd libdocker/client.go and
// kube_docker_client.go per tag, the vendored github.com/docker/docker in go.mod): v0.3.14/v0.3.15 vendor the 24.0.9
// client, which starts at API 1.43, and die on Docker 29 ("client version 1.43 is too old"); v0.3.16-v0.3.25 and
// v0.4.2/v0.4.3 vendor 25.0.x (starts at 1.44); v0.4.0/v0.4.1 vendor 27.0.2 (starts at 1.46) and refuse a daemon below
// API 1.42 (#346); the others accept 1.26. v0.3.10 and v0.3.12 are not in that table: they predate the 25.0 client
// (v0.3.16, 2024-12) and are taken as 24.0.x like v0.3.14 (starts at 1.43). Checked here against Docker 29's floor
// (DOCKER_MIN_API_VERSION=1.44, tools/images/kicbase-like): the real v0.3.17 and v0.4.3 start and serve the CRI.
const CLIENT_24 = { starts: '1.43', min: '1.26' } as const;
const CLIENT_25 = { starts: '1.44', min: '1.26' } as const;
const CLIENT_27 = { starts: '1.46', min: '1.42' } as const;
export const CRI_DOCKERD_RELEASES: readonly CriDockerdRelease[] = [
  {
    version: 'v0.3.10',
    date: '2024-02-13',
    go: '1.21',
    sha256: {
      amd64: '3e19ef525e02d2d1dfd42e8d661ee45b4bc8a49a6dcafd8baa578bdb3a23aeb6',
      arm64: '24d2d9cdbb4ed4bda4b0838edb52104ac7a4e2212a0ee05b177de0ae5b6a4a9a',
    },
    dockerApi: CLIENT_24,
  },
  {
    version: 'v0.3.12',
    date: '2024-03-14',
    go: '1.21',
    sha256: {
      amd64: 'bf0890018cb339a313b6d52e994fe2628f5b6d5f005cec39adb171f055691c96',
      arm64: '23520fc42dcdcb9f44b0edb555a5d760eedde52a230750e21227fbb258f514b5',
    },
    dockerApi: CLIENT_24,
  },
  {
    version: 'v0.3.15',
    date: '2024-07-11',
    go: '1.21',
    sha256: {
      amd64: '4779b7c3663f002871e79ecf6aa8eb48d0bb74df035baecf56b816deb21d12c4',
      arm64: '39e430378c9c08a1d5056426e3c772ae50416ffeadbe720fa63a853c475fd5a4',
    },
    dockerApi: CLIENT_24,
  },
  {
    version: 'v0.3.16',
    date: '2024-12-12',
    go: '1.23.3',
    sha256: {
      amd64: 'cc7f181ce850130dc375515c54cd8a27e1e862252abc5b7eade7b4a03ddabd8e',
      arm64: '0ab930b6f7ab87697cd94c954d01e19fdd5b5d65810662effb957c5db49a55d4',
    },
    dockerApi: CLIENT_25,
  },
  {
    version: 'v0.3.17',
    date: '2025-04-01',
    go: '1.23.7',
    sha256: {
      amd64: '5568d571c2cfee7a31ce0b35b7fcc65b96c85b573ee6645151c4d022ed92a626',
      arm64: '761ee6db946ff2c8da04e57833dbbca8e5c38bc3f5b8e84bda689b1b7260c36f',
    },
    dockerApi: CLIENT_25,
  },
  {
    version: 'v0.3.18',
    date: '2025-06-10',
    go: '1.23.9',
    sha256: {
      amd64: '937578ddcdb28c71afded3fda25d555e0c9e6d396668977ff98228d55886dc79',
      arm64: 'd16204a4f01685ba67319adb3acc6a6f3e62d8bcfd87bc67f5e08f7332515a9d',
    },
    dockerApi: CLIENT_25,
  },
  {
    version: 'v0.3.20',
    date: '2025-08-26',
    go: '1.23.12',
    sha256: {
      amd64: '2ce46d6bbd7f6a7e06e211836c201fdc2311111913eccc63a03f6ef4fe1958fc',
      arm64: 'e6b4661c51c832ee1cbbb75d1c8b086fa803acc153d400454c3b8cf324547d89',
    },
    dockerApi: CLIENT_25,
  },
  {
    version: 'v0.3.21',
    date: '2025-10-30',
    go: '1.24.9',
    sha256: {
      amd64: '6c35838bc4b1aef74f9113670e114ca729a5f295f9457b226791e18e86e91698',
      arm64: '35de6b1e8eba11d8ba6d71fa7499cb3d610a1e7b866c9d43b7f87029e3a769cd',
    },
    dockerApi: CLIENT_25,
  },
  {
    version: 'v0.3.22',
    date: '2026-01-16',
    go: '1.24.9',
    sha256: {
      amd64: '6621a96a885c82844d12318de00f510eae3459871cf1ad47317f38dd242f9a03',
      arm64: '3260b214c9b12dbf0cbf4d60410c45aacfc31ba52aa7b74164135968e8950cb6',
    },
    dockerApi: CLIENT_25,
  },
  {
    version: 'v0.3.23',
    date: '2026-01-20',
    go: '1.24.9',
    sha256: {
      amd64: 'c7fe5db7f9396186193b58ded0e62a31eca7b3c58ad8691d57017986f96482ee',
      arm64: 'a78037d2d2e9c52c48372a5cbba7b94b1c57be5759449beef29cfe03cbe6f14b',
    },
    dockerApi: CLIENT_25,
  },
  {
    version: 'v0.3.24',
    date: '2026-02-11',
    go: '1.24.9',
    sha256: {
      amd64: 'dd4b7f514c248a3aaca398f467430a4c58aae9a77ea8b96a2f5b5d6fba0948d1',
      arm64: 'c783a03735887c4a8fc894bd4cf7a1c0defef3ecf50a4d79ff31eed45c26b17e',
    },
    dockerApi: CLIENT_25,
  },
  {
    version: 'v0.3.25',
    date: '2026-04-27',
    go: '1.24.9',
    sha256: {
      amd64: 'adb9b9785dc10fe49107f5d9e6a62c4271d268a214b9813f5dce251afc9d78ff',
      arm64: '7eda6e815ed80ddf28095587038a8c48cb9af2060f7b45f9d8e68603c42caa67',
    },
    dockerApi: CLIENT_25,
  },
  { version: 'v0.4.0', date: '2025-04-16', go: '1.23.7', dockerApi: CLIENT_27 },
  { version: 'v0.4.1', date: '2025-10-23', go: '1.23.12', dockerApi: CLIENT_27 },
  { version: 'v0.4.2', date: '2026-03-05', go: '1.25.0', dockerApi: CLIENT_25 },
  {
    version: 'v0.4.3',
    date: '2026-04-28',
    go: '1.25.0',
    sha256: {
      amd64: 'c94c3d6de364a13375d8d7448e4c64f5cb12960fbb1cdd7ac708bece418e4dba',
      arm64: 'f1b693ca030f2809b789eacd3fc26ab5f6d85ab68ab184fa3c003572fafe3109',
    },
    dockerApi: CLIENT_25,
  },
];

/**
 * The Go minors nx-kubelet knows, oldest to newest: from the oldest Go a kubelet or cri-dockerd of the matrix needs to
 * the newest Go released when the matrix was written (1.26, which the conformance tests build with). A `--kubeGoVersion`
 * or `--criDockerdGoVersion` outside them needs `--allowUnknownVersions` (a golang:<version> image may not exist).
 */
export const GO_MINORS: readonly string[] = ['1.21', '1.22', '1.23', '1.24', '1.25', '1.26'];

export interface KicbaseRelease {
  version: string;
  /** minikube release that shipped it, and that release's date. */
  minikube: string;
  date: string;
  /** Base OS of the image: Ubuntu jammy up to v0.0.48, Debian bookworm from v0.0.49. */
  baseOs: string;
  /** Newest Kubernetes that minikube release defaulted to (the pairing it was tested with). */
  pairedKubernetes: string;
  /** Docker engine inside the image (unpinned upstream: whatever was current at image build). */
  docker: string;
  /** containerd inside the image, where known. */
  containerd?: string;
  /** The Docker line's API: the newest version it speaks and the oldest a client may ask for ({@link DOCKER_LINES}). */
  dockerApi: DockerLine;
}

export interface DockerLine {
  /** Docker major version. */
  line: string;
  /** API version of the line's releases in kicbase (Docker's API version history). */
  api: string;
  /** The oldest API version its daemon accepts: a client asking below it is refused ("client version … is too old"). */
  minApi: string;
}

// Source: Docker's API version history (docs.docker.com/reference/api/engine/version-history): 26.x 1.45, 27.2-27.4
// 1.47, 28.1 1.49, 28.4 1.51, 29.x 1.52. Minimum API: 1.24 from Docker 25 to 28; Docker 29 raised it to 1.44 (moby
// 2c59be7; DOCKER_MIN_API_VERSION moves it), ../shared/reference/kubelet-domain.md §9.2.
export const DOCKER_LINES = {
  '26': { line: '26', api: '1.45', minApi: '1.24' },
  '27': { line: '27', api: '1.47', minApi: '1.24' },
  '28': { line: '28', api: '1.51', minApi: '1.24' },
  '29': { line: '29', api: '1.52', minApi: '1.44' },
} as const satisfies Record<string, DockerLine>;

// Source: kubernetes/minikube pkg/drivers/kic/types.go per tag (v1.33.1…v1.38.1), deploy/kicbase/Dockerfile, CHANGELOG.md;
// Docker and containerd from hack/kicbase_version/os-package-list.txt per tag and public minikube logs ("Preparing
// Kubernetes … on Docker X"), ../shared/reference/kubelet-domain.md §9.1 (2026-12-02): docker-ce and containerd.io are
// installed unpinned, so the Docker line is whatever was current at image build. v0.0.47 ships Docker 28.1 and
// containerd 1.7; v0.0.49 and v0.0.50 are Debian bookworm with Docker 29 (minimum API 1.44) and containerd 2.2 (v0.0.49
// was built with 29.1 or 29.2; the reference's older table, from the CHANGELOG, said 28.5.2: the package lists win).
export const KICBASE_RELEASES: readonly KicbaseRelease[] = [
  {
    version: 'v0.0.44',
    minikube: 'v1.33.1',
    date: '2024-05-13',
    baseOs: 'Ubuntu 22.04 (jammy)',
    pairedKubernetes: 'v1.30.0',
    docker: '26.1.1',
    dockerApi: DOCKER_LINES['26'],
  },
  {
    version: 'v0.0.45',
    minikube: 'v1.34.0',
    date: '2024-09-09',
    baseOs: 'Ubuntu 22.04 (jammy)',
    pairedKubernetes: 'v1.31.0',
    docker: '27.2.0',
    dockerApi: DOCKER_LINES['27'],
  },
  {
    version: 'v0.0.46',
    minikube: 'v1.35.0',
    date: '2025-01-15',
    baseOs: 'Ubuntu 22.04 (jammy)',
    pairedKubernetes: 'v1.32.0',
    docker: '27.4.1',
    containerd: '1.7.24',
    dockerApi: DOCKER_LINES['27'],
  },
  {
    version: 'v0.0.47',
    minikube: 'v1.36.0',
    date: '2025-05-22',
    baseOs: 'Ubuntu 22.04 (jammy)',
    pairedKubernetes: 'v1.33.1',
    docker: '28.1.1',
    containerd: '1.7.27',
    dockerApi: { ...DOCKER_LINES['28'], api: '1.49' },
  },
  {
    version: 'v0.0.48',
    minikube: 'v1.37.0',
    date: '2025-09-09',
    baseOs: 'Ubuntu 22.04 (jammy)',
    pairedKubernetes: 'v1.34.0',
    docker: '28.4.0',
    containerd: '1.7.27',
    dockerApi: DOCKER_LINES['28'],
  },
  {
    version: 'v0.0.49',
    minikube: 'v1.38.0',
    date: '2026-01-28',
    baseOs: 'Debian 12 (bookworm)',
    pairedKubernetes: 'v1.35.0',
    docker: '29.1 or 29.2',
    containerd: '2.2.1',
    dockerApi: DOCKER_LINES['29'],
  },
  {
    version: 'v0.0.50',
    minikube: 'v1.38.1',
    date: '2026-02-19',
    baseOs: 'Debian 12 (bookworm)',
    pairedKubernetes: 'v1.35.1',
    docker: '29.2.1',
    containerd: '2.2.1',
    dockerApi: DOCKER_LINES['29'],
  },
];

/**
 * Why a cri-dockerd release cannot start on a kicbase release's Docker, or undefined when it can (or when either is
 * outside the matrix: nothing is known then). cri-dockerd negotiates the API once, downwards from the version its
 * client starts at: below the daemon's minimum it is refused, and it refuses a daemon below its own minimum.
 */
export function kicbaseCriDockerdProblem(kicbaseVersion: string, criDockerdVersion: string): string | undefined {
  const kicbase = KICBASE_RELEASES.find((release) => release.version === kicbaseVersion);
  const cri = CRI_DOCKERD_RELEASES.find((release) => release.version === criDockerdVersion);
  if (!kicbase || !cri) return undefined;
  const docker = `kicbase ${kicbase.version}'s Docker ${kicbase.docker}`;
  if (compareApi(cri.dockerApi.starts, kicbase.dockerApi.minApi) < 0) {
    return `${docker} refuses Docker API below ${kicbase.dockerApi.minApi}, and cri-dockerd ${cri.version} asks for ${cri.dockerApi.starts} (its vendored Docker client), so it stops at start with "client version ${cri.dockerApi.starts} is too old"`;
  }
  if (compareApi(kicbase.dockerApi.api, cri.dockerApi.min) < 0) {
    return `cri-dockerd ${cri.version} needs Docker API ${cri.dockerApi.min} or newer, and ${docker} speaks ${kicbase.dockerApi.api}`;
  }
  return undefined;
}

/** The oldest release of each cri-dockerd line that starts on a kicbase release's Docker (ascending). */
export function criDockerdFloorFor(kicbaseVersion: string): string[] {
  const byVersion = (a: CriDockerdRelease, b: CriDockerdRelease) => compareApi(a.version.replace(/^v0\./, ''), b.version.replace(/^v0\./, ''));
  const lines = new Map<string, string>();
  for (const release of [...CRI_DOCKERD_RELEASES].sort(byVersion)) {
    const line = release.version.split('.').slice(0, 2).join('.');
    if (!lines.has(line) && !kicbaseCriDockerdProblem(kicbaseVersion, release.version)) lines.set(line, release.version);
  }
  return [...lines.values()];
}

/** Compares two dotted numeric versions (`1.44` < `1.52`). */
function compareApi(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/**
 * Defaults: the reference system's versions (../shared/seeds/kicbase-kubelet.md), with Kubernetes at the newest known
 * patch of its "v1.34" (a release line, not a tag; patches carry the security fixes). A release that changes these
 * records them in migrations/lib/released-defaults.ts and ships a move-to-default-versions migration.
 */
export const DEFAULT_VERSIONS = {
  kubernetes: 'v1.34.11',
  criDockerd: 'v0.3.21',
  kicbase: 'v0.0.47',
} as const;

/** minikube publishes kicbase here; `--kicbaseImage` can point elsewhere (a mirror, a digest pin). */
export const KICBASE_REPOSITORY = 'gcr.io/k8s-minikube/kicbase';
export const PAUSE_REPOSITORY = 'registry.k8s.io/pause';

/** Kubernetes minors from `since` (the first minor that has it) up to `until` (the first minor that no longer has it). */
export interface MinorRange {
  since?: string;
  until?: string;
}

/**
 * Every version-dependent capability of a node, each with the minor it starts at or ends before: the one place where a
 * Kubernetes minor decides anything. The node model exposes each as a boolean (`model.kubernetes.<name>`, see
 * resolveNode); managed facts and generated documents read those booleans, and documents name these minors from here.
 */
export const VERSION_DEPENDENT = {
  /** The kubelet accepts (deprecated) `--pod-infra-container-image`; 1.35 removed it (kubernetes#133779). */
  podInfraContainerImageFlag: { until: '1.35' },
  /** `failCgroupV1` exists in KubeletConfiguration (KEP-4569); nodes set it to false so that they also run on cgroup v1 hosts. */
  failCgroupV1Field: { since: '1.31' },
  /** `failCgroupV1` defaults to true (KEP-5573): without `failCgroupV1: false` the kubelet refuses cgroup v1 hosts. */
  failCgroupV1ByDefault: { since: '1.35' },
  /** KubeletCgroupDriverFromCRI (alpha in 1.28) is off by default before 1.31: such nodes enable it in kubelet.yaml. */
  cgroupDriverFromCriGate: { until: '1.31' },
} as const satisfies Record<string, MinorRange>;
export type VersionDependent = keyof typeof VERSION_DEPENDENT;

/** Kubernetes minors from which the kubelet no longer accepts `--pod-infra-container-image` (k/k #133779). */
export const POD_INFRA_FLAG_REMOVED_IN = VERSION_DEPENDENT.podInfraContainerImageFlag.until;
/** KubeletCgroupDriverFromCRI (alpha in 1.28, off) is on by default from 1.31: below, nodes enable it in kubelet.yaml. */
export const CGROUP_DRIVER_FROM_CRI_DEFAULT_SINCE = VERSION_DEPENDENT.cgroupDriverFromCriGate.until;
/** `failCgroupV1` exists in KubeletConfiguration from 1.31 (KEP-4569); its default became true in 1.35 (KEP-5573). */
export const FAIL_CGROUP_V1_SINCE = VERSION_DEPENDENT.failCgroupV1Field.since;
/** The reference system's `KUBE_VERSION`: a release line, not a git tag (the defaults take its newest patch). */
export const REFERENCE_KUBE_VERSION = 'v1.34';
