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
const PINS_PAUSE = 'v0.3.10 pins the sandbox image, which kubelet 1.29+ no longer protects from image GC (cri-dockerd #194)';
const IMAGE_FS_INFO =
  'v0.3.16 reports ImageFsInfo ContainerFilesystems, needed by kubelet 1.31+ (else eviction fails with "missing image stats", cri-dockerd #407)';

export const KUBERNETES_MINORS: readonly KubernetesMinor[] = [
  { minor: '1.29', latestPatch: 15, go: '1.21', pauseTag: '3.9', minCriDockerd: 'v0.3.10', minCriDockerdReason: PINS_PAUSE },
  { minor: '1.30', latestPatch: 14, go: '1.22', pauseTag: '3.9', minCriDockerd: 'v0.3.10', minCriDockerdReason: PINS_PAUSE },
  { minor: '1.31', latestPatch: 14, go: '1.22', pauseTag: '3.10', minCriDockerd: 'v0.3.16', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.32', latestPatch: 13, go: '1.23', pauseTag: '3.10', minCriDockerd: 'v0.3.16', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.33', latestPatch: 13, go: '1.24', pauseTag: '3.10', minCriDockerd: 'v0.3.16', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.34', latestPatch: 11, go: '1.24', pauseTag: '3.10.1', minCriDockerd: 'v0.3.16', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.35', latestPatch: 8, go: '1.25', pauseTag: '3.10.1', minCriDockerd: 'v0.3.16', minCriDockerdReason: IMAGE_FS_INFO },
  { minor: '1.36', latestPatch: 4, go: '1.26', pauseTag: '3.10.2', minCriDockerd: 'v0.3.16', minCriDockerdReason: IMAGE_FS_INFO },
];

export interface CriDockerdRelease {
  version: string;
  /** Release date (git tag). */
  date: string;
  /** The `go` directive of its go.mod: the oldest Go that builds it (with GOTOOLCHAIN=local). */
  go: string;
}

// Source: Mirantis/cri-dockerd go.mod and .github/.env per tag (tags up to v0.3.25 / v0.4.3, 2026-04-28).
// v0.3.19 is left out: the snapshot gives its go.mod only as a range (1.23.9-1.23.12); use --allowUnknownVersions.
// Two lines: release/0.3 (works with Docker 20.10+) and release/0.4 (Docker API >= 1.42, i.e. Docker 23+, #346).
export const CRI_DOCKERD_RELEASES: readonly CriDockerdRelease[] = [
  { version: 'v0.3.10', date: '2024-02-13', go: '1.21' },
  { version: 'v0.3.12', date: '2024-03-14', go: '1.21' },
  { version: 'v0.3.15', date: '2024-07-11', go: '1.21' },
  { version: 'v0.3.16', date: '2024-12-12', go: '1.23.3' },
  { version: 'v0.3.17', date: '2025-04-01', go: '1.23.7' },
  { version: 'v0.3.18', date: '2025-06-10', go: '1.23.9' },
  { version: 'v0.3.20', date: '2025-08-26', go: '1.23.12' },
  { version: 'v0.3.21', date: '2025-10-30', go: '1.24.9' },
  { version: 'v0.3.22', date: '2026-01-16', go: '1.24.9' },
  { version: 'v0.3.23', date: '2026-01-20', go: '1.24.9' },
  { version: 'v0.3.24', date: '2026-02-11', go: '1.24.9' },
  { version: 'v0.3.25', date: '2026-04-27', go: '1.24.9' },
  { version: 'v0.4.0', date: '2025-04-16', go: '1.23.7' },
  { version: 'v0.4.1', date: '2025-10-23', go: '1.23.12' },
  { version: 'v0.4.2', date: '2026-03-05', go: '1.25.0' },
  { version: 'v0.4.3', date: '2026-04-28', go: '1.25.0' },
];

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
}

// Source: kubernetes/minikube pkg/drivers/kic/types.go per tag (v1.33.1…v1.38.1), deploy/kicbase/Dockerfile, CHANGELOG.md.
export const KICBASE_RELEASES: readonly KicbaseRelease[] = [
  { version: 'v0.0.44', minikube: 'v1.33.1', date: '2024-05-13', baseOs: 'Ubuntu 22.04 (jammy)', pairedKubernetes: 'v1.30.0', docker: '26.0.2' },
  { version: 'v0.0.45', minikube: 'v1.34.0', date: '2024-09-09', baseOs: 'Ubuntu 22.04 (jammy)', pairedKubernetes: 'v1.31.0', docker: '27.2.0' },
  { version: 'v0.0.46', minikube: 'v1.35.0', date: '2025-01-15', baseOs: 'Ubuntu 22.04 (jammy)', pairedKubernetes: 'v1.32.0', docker: '27.4' },
  { version: 'v0.0.47', minikube: 'v1.36.0', date: '2025-05-22', baseOs: 'Ubuntu 22.04 (jammy)', pairedKubernetes: 'v1.33.1', docker: '28.0.4' },
  { version: 'v0.0.48', minikube: 'v1.37.0', date: '2025-09-09', baseOs: 'Ubuntu 22.04 (jammy)', pairedKubernetes: 'v1.34.0', docker: '28.4.0' },
  { version: 'v0.0.49', minikube: 'v1.38.0', date: '2026-01-28', baseOs: 'Debian 12 (bookworm)', pairedKubernetes: 'v1.35.0', docker: '28.5.2' },
  { version: 'v0.0.50', minikube: 'v1.38.1', date: '2026-02-19', baseOs: 'Debian 12 (bookworm)', pairedKubernetes: 'v1.35.1', docker: '28.x' },
];

/** Defaults are the reference system's versions (../shared/seeds/kicbase-kubelet.md). */
export const DEFAULT_VERSIONS = {
  kubernetes: 'v1.34.0',
  criDockerd: 'v0.3.21',
  kicbase: 'v0.0.47',
} as const;

/** minikube publishes kicbase here; `--kicbaseImage` can point elsewhere (a mirror, a digest pin). */
export const KICBASE_REPOSITORY = 'gcr.io/k8s-minikube/kicbase';
export const PAUSE_REPOSITORY = 'registry.k8s.io/pause';

/** Kubernetes minors from which the kubelet no longer accepts `--pod-infra-container-image` (k/k #133779). */
export const POD_INFRA_FLAG_REMOVED_IN = '1.35';
/** `failCgroupV1` exists in KubeletConfiguration from 1.31 (KEP-4569); its default became true in 1.35 (KEP-5573). */
export const FAIL_CGROUP_V1_SINCE = '1.31';
