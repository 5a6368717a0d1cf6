/**
 * Options → validated node model. The one place where a node's options are checked and its derived facts computed;
 * generators, migrations and sync all call it. Pure: no Nx, no file system (workspace facts are passed in).
 */
import {
  CRI_DOCKERD_RELEASES,
  DEFAULT_VERSIONS,
  GO_MINORS,
  criDockerdFloorFor,
  KICBASE_RELEASES,
  KICBASE_REPOSITORY,
  kicbaseCriDockerdProblem,
  KUBERNETES_MINORS,
  KubernetesMinor,
  PAUSE_REPOSITORY,
  VERSION_DEPENDENT,
  VersionDependent,
} from './version-matrix';
import { KUBELET_SHA256 } from './kubelet-checksums';
import {
  checkAddressForEngine,
  checkDockerContext,
  checkEngineKind,
  DEFAULT_ENGINE_KIND,
  EngineAddress,
  EngineKind,
  InvalidEngineAddressError,
  parseEngineAddress,
} from './engine-address';
import { compareMinors, compareVersions, formatTag, goSatisfies, minorOf, parseVersion, ParsedVersion } from './versions';

/** What a user can ask for. Everything but `name` is optional; {@link resolveNode} fills in defaults. */
export interface KubeletNodeOptions {
  /** Project name; also the compose project, service and default hostname. */
  name: string;
  /** Workspace-relative directory. @default `packages/<name>` */
  directory?: string;
  /** Comma-separated string or list. */
  tags?: string | string[];
  /** `1.35`, `v1.35`, `1.35.2`… @default v1.34.0 */
  kubeVersion?: string;
  /** @default v0.3.21 */
  criDockerdVersion?: string;
  /** @default v0.0.47 */
  kicbaseVersion?: string;
  /** Go for the kubelet build. @default the matrix's Go for the chosen Kubernetes minor */
  kubeGoVersion?: string;
  /** Go for the cri-dockerd build. @default the matrix's Go for the chosen cri-dockerd */
  criDockerdGoVersion?: string;
  /** Ship `manifests/hello-world.yaml`. @default true */
  examplePod?: boolean;
  /** Container hostname, which the kubelet uses as node name. @default the node name */
  hostname?: string;
  /** Where kubelet and cri-dockerd come from. @default source */
  binarySource?: BinarySource;
  /** Base image reference instead of gcr.io/k8s-minikube/kicbase:<kicbaseVersion> (a mirror, a digest pin). */
  kicbaseImage?: string;
  /** Accept versions outside the matrix, with a warning. @default false */
  allowUnknownVersions?: boolean;
  /** The container engine the node runs on: docker or podman (recorded with the node). @default docker */
  engine?: string;
  /** The docker context of the engine the node runs on (recorded with the node; every operation uses it). */
  dockerContext?: string;
  /** The address of the engine the node runs on (DOCKER_HOST form: ssh://user@host, tcp://host:2376, unix:///path). */
  dockerHost?: string;
  /** CPUs the node may use (compose `cpus`, like minikube's --cpus), e.g. 2 or 1.5. @default no limit */
  cpus?: number | string;
  /**
   * The matrix the node is a member of (set by the matrix's generation, no option of the node generator): the node's
   * kubelet reads the matrix's shared settings as a drop-in (`kubelet.conf.d/`), and its README says where they and
   * the shared manifests come from.
   */
  matrix?: NodeMatrixMembership;
  /** Memory the node may use (compose `mem_limit`, like minikube's --memory), e.g. 2g or 1536m. @default no limit */
  memory?: string;
}

/** A node's membership of a matrix: the matrix's name and folder (workspace-relative, the node's parent). */
export interface NodeMatrixMembership {
  name: string;
  directory: string;
}

/**
 * `source`: compiled from git tags in Go builder stages (the reference's way); `release`: official downloads,
 * SHA-256 verified; `local`: the node's `bin/` folder (air-gapped sites, own builds).
 */
export const BINARY_SOURCES = ['source', 'release', 'local'] as const;
export type BinarySource = (typeof BINARY_SOURCES)[number];

/** Facts about the workspace that validation needs, supplied by the front-end (an Nx Tree, projen, a test). */
export interface WorkspaceFacts {
  /** True when a project (or an inferred node) of this name exists. */
  hasProject(name: string): boolean;
  /**
   * Whether `directory` (workspace-relative) exists and holds files that are not the node's own: true, or the files
   * (relative to it), some of which the refusal names.
   */
  directoryHasFiles(directory: string): boolean | readonly string[];
  /**
   * Where `directory` (workspace-relative) really resolves when a symbolic link on its way leads out of the workspace,
   * else undefined. Every front-end that writes to a file system answers it with `realDirectoryOutside` (workspace-path.ts).
   */
  resolvesOutside?(directory: string): string | undefined;
}

/** How many of a folder's files a refusal names. */
const NAMED_FILES = 5;

/** The refusal of a node's folder that already holds files (not the node's own), naming up to a few of them. */
export function directoryHasFilesProblem(directory: string, files: readonly string[] = []): string {
  const sorted = [...files].sort();
  const more = sorted.length > NAMED_FILES ? ` and ${sorted.length - NAMED_FILES} more` : '';
  const named = sorted.length > 0 ? ` (${sorted.slice(0, NAMED_FILES).join(', ')}${more})` : '';
  return `The directory "${directory}" already contains files${named}. Choose a new or empty --directory.`;
}

/** Everything a node's files are rendered from. */
export interface NodeModel {
  name: string;
  directory: string;
  hostname: string;
  tags: string[];
  examplePod: boolean;
  binarySource: BinarySource;
  /** With one boolean per version-dependent capability of the minor (VERSION_DEPENDENT), e.g. `podInfraContainerImageFlag`. */
  kubernetes: {
    /** Full git tag, e.g. `v1.34.0`. */
    version: string;
    minor: string;
    goVersion: string;
    pauseImage: string;
    /** Pinned SHA-256 of the official kubelet binary per architecture (kubelet-checksums.ts); empty when none is known. */
    sha256: { amd64?: string; arm64?: string };
  } & Record<VersionDependent, boolean>;
  criDockerd: { version: string; goVersion: string; sha256: { amd64?: string; arm64?: string } };
  /** `image` is the base image reference; `imageOverridden` when it came from --kicbaseImage. */
  kicbase: { version: string; image: string; imageOverridden: boolean; baseOs: string };
  compose: { project: string; service: string; volume: string; image: string };
  /**
   * The engine the node runs on: its kind (docker unless podman was chosen), and a docker context or an address;
   * neither means the user's current engine (for Podman: its default connection).
   */
  engine: { kind: EngineKind; context?: string; host?: string };
  /** Limits of the node's container; unset means none. */
  resources: { cpus?: string; memory?: string };
  /** The matrix the node belongs to, if any (see {@link KubeletNodeOptions.matrix}). */
  matrix?: NodeMatrixMembership;
  /** True when a version outside the matrix was accepted (--allowUnknownVersions). */
  unknownVersions: boolean;
  /** Non-fatal remarks (e.g. versions outside the matrix accepted with --allowUnknownVersions). */
  warnings: string[];
}

/** A node's declared versions (the Nx plugin keeps them in project.json): the source of truth for its files. */
export interface DeclaredVersions {
  kubeVersion: string;
  kubeGoVersion: string;
  criDockerdVersion: string;
  criDockerdGoVersion: string;
  kicbaseVersion: string;
  /** Only when the node uses its own base image reference. */
  kicbaseImage?: string;
  /** Set when the node uses versions outside the matrix. */
  allowUnknownVersions?: boolean;
}

/** The declaration of a model's versions (what a front-end records for the node). */
export function declaredVersionsOf(model: NodeModel): DeclaredVersions {
  return {
    kubeVersion: model.kubernetes.version,
    kubeGoVersion: model.kubernetes.goVersion,
    criDockerdVersion: model.criDockerd.version,
    criDockerdGoVersion: model.criDockerd.goVersion,
    kicbaseVersion: model.kicbase.version,
    ...(model.kicbase.imageOverridden ? { kicbaseImage: model.kicbase.image } : {}),
    ...(model.unknownVersions ? { allowUnknownVersions: true } : {}),
  };
}

/** Thrown with every problem found, so that a user fixes them all in one go. Nothing has been written when it is. */
export class InvalidNodeOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `Invalid options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidNodeOptionsError';
  }
}

// An RFC 1123 DNS label: valid as compose project/service name, image name, hostname and Kubernetes node name.
const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
// A docker image reference: [registry[:port]/]path[:tag][@sha256:digest] (distribution/reference, simplified:
// the first component is a registry only if it has a dot or a port, or is localhost).
const IMAGE_REFERENCE =
  /^(?:(?:(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+)(?::\d+)?|[a-zA-Z0-9-]+:\d+)\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
// Hostname labels may also start with a digit (RFC 1123 relaxed RFC 952).
const HOSTNAME_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const GO_VERSION = /^\d+\.\d+(\.\d+)?$/;
const MEMORY = /^(\d+(?:\.\d+)?)([kmgt])b?$/i;
/** Below this a node's systemd, dockerd, containerd, cri-dockerd and kubelet alone do not fit. */
export const MIN_NODE_MEMORY_MIB = 512;

/**
 * The types a front-end may pass each option in (the nx CLI makes numbers of versions, projen passes what a
 * .projenrc wrote): checked first, so that a wrongly typed value gets a message naming its option, not a TypeError.
 */
const OPTION_TYPES = {
  name: ['string'],
  directory: ['string'],
  tags: ['string', 'string list'],
  kubeVersion: ['string', 'number'],
  criDockerdVersion: ['string', 'number'],
  kicbaseVersion: ['string', 'number'],
  kubeGoVersion: ['string', 'number'],
  criDockerdGoVersion: ['string', 'number'],
  examplePod: ['boolean'],
  hostname: ['string'],
  binarySource: ['string'],
  kicbaseImage: ['string'],
  allowUnknownVersions: ['boolean'],
  engine: ['string'],
  dockerContext: ['string'],
  dockerHost: ['string'],
  cpus: ['number', 'string'],
  matrix: ['object'],
  memory: ['string'],
} as const satisfies Record<keyof KubeletNodeOptions, readonly ('string' | 'number' | 'boolean' | 'string list' | 'object')[]>;

/** One problem per option whose value is not of a type it takes (undefined is "not given"). */
export function optionTypeProblems(options: object): string[] {
  return Object.entries(OPTION_TYPES).flatMap(([option, types]) => {
    const value = (options as Record<string, unknown>)[option];
    if (value === undefined) return [];
    const kind = Array.isArray(value)
      ? value.every((item) => typeof item === 'string')
        ? 'string list'
        : 'list'
      : typeof value === 'number' && !Number.isFinite(value)
        ? 'non-finite number'
        : value === null
          ? 'null'
          : typeof value;
    if ((types as readonly string[]).includes(kind)) return [];
    const shown = typeof value === 'string' ? ` ${JSON.stringify(value)}` : typeof value === 'number' ? ` ${value}` : '';
    const article = (type: string) => `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
    return [`--${option} must be ${types.map(article).join(' or ')}, not ${kind === 'null' ? 'null' : article(kind)}${shown}.`];
  });
}

/**
 * Validates options and derives the node model; throws {@link InvalidNodeOptionsError} listing every problem.
 * `existing`: the versions an existing node already has (its declaration, before an upgrade or for sync): versions
 * outside the matrix and a cri-dockerd that a newer nx-kubelet finds too old are accepted with a warning, so that
 * such a node can still be synced and upgraded (the upgrade raises cri-dockerd).
 */
export function resolveNode(options: KubeletNodeOptions, workspace: WorkspaceFacts, existing = false): NodeModel {
  const typeProblems = optionTypeProblems(options);
  if (typeProblems.length > 0) throw new InvalidNodeOptionsError(typeProblems);
  const problems: string[] = [];
  const warnings: string[] = [];
  const unknownVersionWarnings: string[] = [];
  const allowUnknown = existing || (options.allowUnknownVersions ?? false);

  const name = (options.name ?? '').trim();
  if (!DNS_LABEL.test(name)) {
    problems.push(
      `Invalid node name "${name}": use 1 to 63 lowercase letters, digits and dashes, starting with a letter and not ending with a dash (e.g. "my-node"). The name is also the container's hostname and the compose project name.`,
    );
  } else if (workspace.hasProject(name)) {
    problems.push(`A project named "${name}" already exists in this workspace. Choose another name.`);
  }

  const directory = normalizeDirectory(options.directory, name, problems);
  const realOutside = directory ? workspace.resolvesOutside?.(directory) : undefined;
  if (directory && realOutside) {
    problems.push(
      `The directory "${directory}" resolves through a symbolic link to ${realOutside}, outside the workspace. Choose a --directory whose folders stay inside it.`,
    );
  } else if (directory) {
    const files = workspace.directoryHasFiles(directory);
    if (files === true || (Array.isArray(files) && files.length > 0)) problems.push(directoryHasFilesProblem(directory, files === true ? [] : files));
  }

  const hostname = (options.hostname ?? name).trim();
  if (options.hostname !== undefined && !isHostname(hostname)) {
    problems.push(
      `Invalid --hostname "${hostname}": use dot-separated labels of lowercase letters, digits and dashes (e.g. "node-1" or "node-1.lab"), at most 253 characters.`,
    );
  }

  const kube = resolveKubernetes(String(options.kubeVersion ?? DEFAULT_VERSIONS.kubernetes), allowUnknown, problems, unknownVersionWarnings);
  const cri = resolveCriDockerd(String(options.criDockerdVersion ?? DEFAULT_VERSIONS.criDockerd), allowUnknown, problems, unknownVersionWarnings);
  const kicbase = resolveKicbase(String(options.kicbaseVersion ?? DEFAULT_VERSIONS.kicbase), allowUnknown, problems, unknownVersionWarnings);

  const kubeGoVersion = resolveGo(
    '--kubeGoVersion',
    options.kubeGoVersion,
    kube?.facts.go,
    kube && `Kubernetes ${kube.tag} (its go.mod requires Go ${kube.facts.go})`,
    allowUnknown,
    problems,
    unknownVersionWarnings,
  );
  const criGoVersion = resolveGo(
    '--criDockerdGoVersion',
    options.criDockerdGoVersion,
    cri?.go,
    cri && `cri-dockerd ${cri.tag} (its go.mod requires Go ${cri.go})`,
    allowUnknown,
    problems,
    unknownVersionWarnings,
  );

  if (kube && cri?.parsed && compareVersions(cri.parsed, parseVersion(kube.facts.minCriDockerd)!) < 0) {
    (existing ? warnings : problems).push(
      `cri-dockerd ${cri.tag} is too old for Kubernetes ${kube.minor}: ${kube.facts.minCriDockerdReason}. Use --criDockerdVersion=${kube.facts.minCriDockerd} or newer (default ${DEFAULT_VERSIONS.criDockerd}).`,
    );
  }

  // The kicbase's Docker and cri-dockerd must agree on an API version, or cri-dockerd stops at start (version-matrix.ts).
  const kicbaseProblem = kicbase && cri ? kicbaseCriDockerdProblem(kicbase.version, cri.tag) : undefined;
  if (kicbase && cri && kicbaseProblem) {
    const floors = criDockerdFloorFor(kicbase.version);
    (existing ? warnings : problems).push(
      `cri-dockerd ${cri.tag} cannot start on kicbase ${kicbase.version}: ${kicbaseProblem}. Use --criDockerdVersion=${floors.join(' (0.3 line) or ')}${floors.length > 1 ? ' (0.4 line)' : ''} or newer with it, or another --kicbaseVersion.`,
    );
  }

  const binarySource = options.binarySource ?? 'source';
  if (!BINARY_SOURCES.includes(binarySource)) {
    problems.push(`--binarySource "${binarySource}" is not one of ${BINARY_SOURCES.join(', ')}.`);
  }
  const kicbaseImage = options.kicbaseImage?.trim();
  if (kicbaseImage !== undefined && !IMAGE_REFERENCE.test(kicbaseImage)) {
    problems.push(
      `--kicbaseImage "${kicbaseImage}" is not an image reference. Use [registry/]repository[:tag][@sha256:digest], e.g. gcr.io/k8s-minikube/kicbase:v0.0.47@sha256:<64 hex digits>.`,
    );
  }

  warnings.push(...unknownVersionWarnings);
  const engine = resolveEngine(options, problems, warnings);
  const resources = resolveResources(options, problems);

  if (binarySource === 'release' && kube && !KUBELET_SHA256[kube.tag]) {
    warnings.push(
      `nx-kubelet pins no SHA-256 for the kubelet ${kube.tag} binaries: a release build stops until you set KUBELET_SHA256_AMD64 (or _ARM64) in compose.yaml's build args to the checksum Kubernetes publishes for it.`,
    );
  }
  if (binarySource === 'release' && cri && !cri.sha256.amd64) {
    warnings.push(
      `nx-kubelet pins no SHA-256 for the cri-dockerd ${cri.tag} release archives: a release build stops until you set CRI_DOCKERD_SHA256_AMD64 (or _ARM64) in compose.yaml's build args to the archive's checksum.`,
    );
  }

  if (problems.length > 0 || !kube || !cri || !kicbase || !kubeGoVersion || !criGoVersion || !directory) {
    throw new InvalidNodeOptionsError(problems);
  }

  return {
    name,
    directory,
    hostname,
    tags: parseTags(options.tags),
    examplePod: options.examplePod ?? true,
    binarySource,
    kubernetes: {
      version: kube.tag,
      minor: kube.minor,
      goVersion: kubeGoVersion,
      pauseImage: `${PAUSE_REPOSITORY}:${kube.facts.pauseTag}`,
      ...versionDependentOf(kube.minor),
      sha256: KUBELET_SHA256[kube.tag] ?? {},
    },
    criDockerd: { version: cri.tag, goVersion: criGoVersion, sha256: cri.sha256 },
    kicbase: {
      version: kicbase.version,
      image: kicbaseImage ?? `${KICBASE_REPOSITORY}:${kicbase.version}`,
      imageOverridden: kicbaseImage !== undefined,
      baseOs: kicbase.baseOs,
    },
    compose: { project: name, service: name, volume: `${name}-var`, image: `nx-kubelet-${name}:${kube.tag}` },
    engine,
    resources,
    ...(options.matrix ? { matrix: { name: options.matrix.name, directory: options.matrix.directory } } : {}),
    unknownVersions: unknownVersionWarnings.length > 0,
    warnings,
  };
}

/** Which version-dependent capabilities a Kubernetes minor has (the booleans of `model.kubernetes`). */
export function versionDependentOf(minor: string): Record<VersionDependent, boolean> {
  const entries = Object.entries(VERSION_DEPENDENT) as [VersionDependent, { since?: string; until?: string }][];
  return Object.fromEntries(
    entries.map(([name, { since, until }]) => [
      name,
      (since === undefined || compareMinors(minor, since) >= 0) && (until === undefined || compareMinors(minor, until) < 0),
    ]),
  ) as Record<VersionDependent, boolean>;
}

function resolveEngine(options: KubeletNodeOptions, problems: string[], warnings: string[]): NodeModel['engine'] {
  const context = options.dockerContext?.trim() || undefined;
  const host = options.dockerHost?.trim() || undefined;
  let kind: EngineKind = DEFAULT_ENGINE_KIND;
  if (options.engine !== undefined && String(options.engine).trim() !== '') {
    try {
      kind = checkEngineKind(String(options.engine), '--engine');
    } catch (error) {
      if (!(error instanceof InvalidEngineAddressError)) throw error;
      problems.push(error.message);
    }
  }
  if (context && host) {
    problems.push(`Give --dockerContext or --dockerHost, not both: a docker context already names its engine's address.`);
    return { kind };
  }
  if (context && kind === 'podman') {
    problems.push(
      `--dockerContext is Docker's: a node on Podman reaches its engine through Podman's own connection, or --dockerHost (podman --url, e.g. unix:///run/podman/podman.sock).`,
    );
    return { kind };
  }
  const check = (validate: () => unknown) => {
    try {
      validate();
      return true;
    } catch (error) {
      if (!(error instanceof InvalidEngineAddressError)) throw error;
      problems.push(error.message);
      return false;
    }
  };
  if (context !== undefined) check(() => checkDockerContext(context, '--dockerContext'));
  if (host !== undefined) {
    let parsed: EngineAddress | undefined;
    if (
      check(() => checkAddressForEngine(kind, (parsed = parseEngineAddress(host, '--dockerHost')), '--dockerHost')) &&
      parsed?.scheme === 'tcp' &&
      !parsed.loopback
    ) {
      warnings.push(
        `--dockerHost ${host} is plain TCP: anyone who reaches that address controls the engine as root. Prefer ssh://, or a docker context with TLS (docker context create … --docker "host=tcp://…,ca=…,cert=…,key=…") and --dockerContext.`,
      );
    }
  }
  return { kind, ...(context ? { context } : {}), ...(host ? { host } : {}) };
}

function resolveResources(options: KubeletNodeOptions, problems: string[]): NodeModel['resources'] {
  const resources: NodeModel['resources'] = {};
  if (options.cpus !== undefined && String(options.cpus).trim() !== '') {
    const cpus = String(options.cpus).trim();
    if (!/^\d+(\.\d{1,2})?$/.test(cpus) || Number(cpus) <= 0 || Number(cpus) > 1024) {
      problems.push(`Invalid --cpus "${cpus}": give the CPUs the node may use as a number above 0, e.g. 2 or 1.5.`);
    } else {
      resources.cpus = String(Number(cpus));
    }
  }
  if (options.memory !== undefined && String(options.memory).trim() !== '') {
    const memory = String(options.memory).trim();
    const match = MEMORY.exec(memory);
    const mebibytes = match ? Number(match[1]) * { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 }[match[2].toLowerCase() as 'k' | 'm' | 'g' | 't'] : NaN;
    if (!match) {
      problems.push(`Invalid --memory "${memory}": give an amount with its unit, e.g. 2g or 1536m (k, m, g or t).`);
    } else if (mebibytes < MIN_NODE_MEMORY_MIB) {
      problems.push(
        `--memory ${memory} is too little: a node's systemd, dockerd, cri-dockerd and kubelet need at least ${MIN_NODE_MEMORY_MIB}m before any pod runs.`,
      );
    } else {
      resources.memory = memory.toLowerCase().replace(/b$/, '');
    }
  }
  return resources;
}

/** The known Kubernetes minors as a readable range, for messages. */
export function knownKubernetesMinors(): string {
  return `${KUBERNETES_MINORS[0].minor} to ${KUBERNETES_MINORS[KUBERNETES_MINORS.length - 1].minor}`;
}

function normalizeDirectory(input: string | undefined, name: string, problems: string[]): string | undefined {
  const raw = (input ?? `packages/${name}`).trim().replace(/\\/g, '/');
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw) || segments.includes('..')) {
    problems.push(
      `--directory "${input}" is outside the workspace. Give a path inside it, relative to the workspace root, such as "packages/${name || 'my-node'}".`,
    );
    return undefined;
  }
  if (segments.length === 0) {
    problems.push(`--directory "${input}" is the workspace root. Give a subdirectory, such as "packages/${name || 'my-node'}".`);
    return undefined;
  }
  return segments.join('/');
}

function isHostname(hostname: string): boolean {
  return hostname.length <= 253 && hostname.split('.').every((label) => HOSTNAME_LABEL.test(label));
}

function parseTags(tags: string | string[] | undefined): string[] {
  const list = Array.isArray(tags) ? tags : (tags ?? '').split(',');
  return [...new Set(list.map((tag) => tag.trim()).filter(Boolean))];
}

interface ResolvedKubernetes {
  tag: string;
  minor: string;
  /** Matrix facts for the minor (for a minor outside the matrix: those of the nearest known minor). */
  facts: KubernetesMinor;
}

function resolveKubernetes(input: string, allowUnknown: boolean, problems: string[], warnings: string[]): ResolvedKubernetes | undefined {
  const parsed = parseVersion(input);
  if (!parsed) {
    problems.push(`--kubeVersion "${input}" is not a Kubernetes version. Use a minor or a patch release: 1.35, v1.35 or v1.35.2.`);
    return undefined;
  }
  const minor = minorOf(parsed);
  const known = KUBERNETES_MINORS.find((entry) => entry.minor === minor);
  const patch = parsed.patch ?? known?.latestPatch ?? 0;
  const tag = formatTag({ ...parsed, patch });
  if (known && parsed.preRelease === undefined && patch <= known.latestPatch) return { tag, minor, facts: known };

  const why = !known
    ? `Kubernetes ${minor} is not in nx-kubelet's version matrix (known minors: ${KUBERNETES_MINORS.map((k) => k.minor).join(', ')})`
    : `Kubernetes ${tag} is not in nx-kubelet's version matrix (known for ${minor}: v${minor}.0 to v${minor}.${known.latestPatch})`;
  const nearest = known ?? nearestMinor(minor);
  if (!allowUnknown) {
    problems.push(`${why}. Choose a known version, or pass --allowUnknownVersions to go ahead anyway.`);
    return undefined;
  }
  warnings.push(`${why}; going ahead because of --allowUnknownVersions, with the Go, pause image and cri-dockerd facts of Kubernetes ${nearest.minor}.`);
  return { tag, minor, facts: nearest };
}

function nearestMinor(minor: string): KubernetesMinor {
  const first = KUBERNETES_MINORS[0];
  return compareMinors(minor, first.minor) < 0 ? first : KUBERNETES_MINORS[KUBERNETES_MINORS.length - 1];
}

interface ResolvedCriDockerd {
  tag: string;
  parsed?: ParsedVersion;
  /** Minimum Go from go.mod (for a release outside the matrix: that of the newest known release). */
  go: string;
  /** Pinned SHA-256 of the release archives; empty for a release outside the matrix. */
  sha256: { amd64?: string; arm64?: string };
}

function resolveCriDockerd(input: string, allowUnknown: boolean, problems: string[], warnings: string[]): ResolvedCriDockerd | undefined {
  const parsed = parseVersion(input);
  if (!parsed) {
    problems.push(`--criDockerdVersion "${input}" is not a cri-dockerd version. Use a release such as v0.3.21 (or 0.3 for the newest 0.3.x).`);
    return undefined;
  }
  const line = CRI_DOCKERD_RELEASES.filter((release) => minorOf(parseVersion(release.version)!) === minorOf(parsed));
  const release =
    parsed.patch === undefined
      ? line.sort(byVersion).at(-1)
      : CRI_DOCKERD_RELEASES.find((candidate) => compareVersions(parseVersion(candidate.version)!, parsed) === 0);
  if (release) return { tag: release.version, parsed: parseVersion(release.version), go: release.go, sha256: release.sha256 ?? {} };

  const known = CRI_DOCKERD_RELEASES.map((r) => r.version).join(', ');
  const why = `cri-dockerd ${input} is not in nx-kubelet's version matrix (known: ${known})`;
  if (!allowUnknown || parsed.patch === undefined) {
    problems.push(`${why}. Choose a known release, or pass --allowUnknownVersions with a full version to go ahead anyway.`);
    return undefined;
  }
  const newest = [...CRI_DOCKERD_RELEASES].sort(byVersion).at(-1)!;
  warnings.push(
    `${why}; going ahead because of --allowUnknownVersions, assuming it builds with the Go of ${newest.version} (set --criDockerdGoVersion otherwise).`,
  );
  return { tag: formatTag({ ...parsed, patch: parsed.patch }), parsed, go: newest.go, sha256: {} };
}

function byVersion(a: { version: string }, b: { version: string }): number {
  return compareVersions(parseVersion(a.version)!, parseVersion(b.version)!);
}

function resolveKicbase(input: string, allowUnknown: boolean, problems: string[], warnings: string[]) {
  const parsed = parseVersion(input);
  if (!parsed || parsed.patch === undefined) {
    problems.push(`--kicbaseVersion "${input}" is not a kicbase version. Use a release such as v0.0.47.`);
    return undefined;
  }
  const version = formatTag({ ...parsed, patch: parsed.patch });
  const release = KICBASE_RELEASES.find((candidate) => candidate.version === version);
  if (release) return { version, baseOs: release.baseOs };
  const why = `kicbase ${version} is not in nx-kubelet's version matrix (known: ${KICBASE_RELEASES.map((r) => r.version).join(', ')})`;
  if (!allowUnknown) {
    problems.push(`${why}. Choose a known release, or pass --allowUnknownVersions to go ahead anyway.`);
    return undefined;
  }
  warnings.push(`${why}; going ahead because of --allowUnknownVersions.`);
  return { version, baseOs: 'unknown' };
}

/**
 * Defaults the Go version to the minor of `minimum` (the golang:<minor> image carries its newest patch), or checks
 * the user's choice against it. `minimum` is undefined only when its component was itself invalid.
 */
function resolveGo(
  flag: string,
  input: string | undefined,
  minimum: string | undefined,
  subject: string | undefined,
  allowUnknown: boolean,
  problems: string[],
  warnings: string[],
): string | undefined {
  if (input === undefined) return minimum === undefined ? undefined : minorOf(parseVersion(minimum)!);
  const requested = input.trim().replace(/^go/, '');
  const parsed = GO_VERSION.test(requested) ? parseVersion(requested) : undefined;
  if (!parsed) {
    problems.push(`${flag} "${input}" is not a Go version. Use a Go release such as 1.24 or 1.24.9 (it picks the golang:<version>-alpine image).`);
    return undefined;
  }
  if (minimum !== undefined && !goSatisfies(parsed, parseVersion(minimum)!)) {
    problems.push(`${flag} ${requested} is too old for ${subject}. Use ${flag}=${minorOf(parseVersion(minimum)!)} or newer.`);
    return undefined;
  }
  if (!GO_MINORS.includes(minorOf(parsed))) {
    const why = `Go ${requested} is not a Go release nx-kubelet knows (known: ${GO_MINORS[0]} to ${GO_MINORS[GO_MINORS.length - 1]})`;
    if (!allowUnknown) {
      problems.push(
        `${flag} ${requested} is not a Go release nx-kubelet knows (known: ${GO_MINORS[0]} to ${GO_MINORS[GO_MINORS.length - 1]}). Choose a known one, or pass --allowUnknownVersions to go ahead anyway.`,
      );
      return undefined;
    }
    warnings.push(`${flag}: ${why}; going ahead because of --allowUnknownVersions (the golang:${requested}-alpine image must exist).`);
  }
  return requested;
}

/**
 * One version resolved as the node generator resolves it (`1.29` -> its matrix patch tag), or undefined with the
 * problem added (named after `option`, e.g. a matrix's `--kubeVersions`).
 */
export function resolveVersionTag(
  kind: 'kubernetes' | 'cri-dockerd' | 'kicbase',
  input: string,
  allowUnknown: boolean,
  problems: string[],
  option: string,
): string | undefined {
  const own: string[] = [];
  const warnings: string[] = [];
  const single = { kubernetes: '--kubeVersion', 'cri-dockerd': '--criDockerdVersion', kicbase: '--kicbaseVersion' }[kind];
  const tag =
    kind === 'kubernetes'
      ? resolveKubernetes(input, allowUnknown, own, warnings)?.tag
      : kind === 'cri-dockerd'
        ? resolveCriDockerd(input, allowUnknown, own, warnings)?.tag
        : resolveKicbase(input, allowUnknown, own, warnings)?.version;
  problems.push(...own.map((problem) => problem.split(single).join(option)));
  return tag;
}
