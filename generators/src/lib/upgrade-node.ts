/**
 * Moving a node from one set of versions to another, and keeping its files in line with its declared versions.
 * Pure: files in, files out. Only what a version change requires is edited (node-edits.ts); everything else in the
 * files, including the user's own settings, stays byte for byte.
 */
import { DeclaredVersions, InvalidNodeOptionsError, KubeletNodeOptions, NodeModel, resolveNode } from './node-model';
import {
  readComposeBuildArgs,
  readDockerfileArg,
  replaceInLines,
  setComposeBuildArgs,
  setComposeImage,
  setDockerfileArg,
  setExecStartFlag,
  setKubeletField,
} from './node-edits';
import { DECLARATION_KEY, NodeFiles, NodeTemplates, renderNode } from './render-node';
export { DECLARATION_KEY } from './render-node';
import { parseDocument } from 'yaml';
import { DEFAULT_VERSIONS, KUBERNETES_MINORS } from './version-matrix';
import { compareMinors, compareVersions, minorOf, parseVersion } from './versions';


export type VersionRequest = Partial<Omit<DeclaredVersions, 'allowUnknownVersions'>> & { allowUnknownVersions?: boolean; force?: boolean };

const DOCKERFILE = 'Dockerfile.kicbase';
const COMPOSE = 'compose.yaml';
const KUBELET_YAML = 'kubelet.yaml';
const KUBELET_UNIT = 'units/kubelet.service';
const CRI_DOCKER_UNIT = 'units/cri-docker.service';
const README = 'README.md';
const POD_INFRA = '--pod-infra-container-image';
const POD_INFRA_COMMENT = '--pod-infra-container-image: deprecated but accepted up to 1.34 (removed in 1.35, kubernetes#133779).';
const FAIL_CGROUP_V1_COMMENT = 'Also run on cgroup v1 hosts (the default became true in 1.35 and the kubelet then refuses to start on them).';

/**
 * Versions as a node generated before they were declared (nx-kubelet 0.1.0) carries them: the Dockerfile's ARG
 * defaults. Undefined when the Dockerfile lacks them.
 */
export function versionsFromDockerfile(dockerfile: string): DeclaredVersions | undefined {
  const arg = (name: string) => readDockerfileArg(dockerfile, name);
  const declared = {
    kubeVersion: arg('KUBE_VERSION'),
    kubeGoVersion: arg('KUBE_VERSION_GO'),
    criDockerdVersion: arg('CRI_DOCKERD_VERSION'),
    criDockerdGoVersion: arg('CRI_DOCKERD_VERSION_GO'),
    kicbaseVersion: arg('KICBASE_VERSION'),
  };
  if (Object.values(declared).some((value) => value === undefined)) return undefined;
  const image = arg('KICBASE_IMAGE');
  return { ...(declared as Omit<DeclaredVersions, 'kicbaseImage'>), ...(image && !image.includes('${') ? { kicbaseImage: image } : {}) };
}

/** What the files of an existing node say about the rest of its options (name, hostname, binary source…). */
export interface ExistingNode {
  name: string;
  directory: string;
  files: NodeFiles;
}

/** Rebuilds the model of an existing node from its declaration and files. */
export function modelOfNode(node: ExistingNode, declared: DeclaredVersions): NodeModel {
  const compose = node.files[COMPOSE] ?? '';
  const service = node.name;
  const args = readComposeBuildArgs(compose, service);
  // The node's own service: another service's hostname (a user's sidecar) must not be taken for it.
  const hostnameNode = parseDocument(compose).getIn(['services', service, 'hostname']);
  const hostname = hostnameNode === undefined ? undefined : String(hostnameNode);
  const options: KubeletNodeOptions = {
    name: node.name,
    directory: node.directory,
    hostname,
    examplePod: 'manifests/hello-world.yaml' in node.files,
    binarySource: (args.BINARY_SOURCE as KubeletNodeOptions['binarySource']) ?? 'source',
    ...declared,
  };
  return resolveNode(options, { projectNames: [], directoryHasFiles: () => false });
}

export interface UpgradePlan {
  versions: DeclaredVersions;
  /** Decisions the user should know about (forced bumps, kept pins). */
  notes: string[];
}

/**
 * The versions a node moves to: what was asked for, plus what that forces (the Go of a new minor, a cri-dockerd new
 * enough for it). A Go or cri-dockerd the user pinned above the minimum is kept. Throws on a downgrade across a
 * minor unless `force`.
 */
export function planUpgrade(current: DeclaredVersions, request: VersionRequest): UpgradePlan {
  const notes: string[] = [];
  const kubeVersion = request.kubeVersion ?? current.kubeVersion;
  const [parsedFrom, parsedTo] = [parseVersion(current.kubeVersion), parseVersion(kubeVersion)];
  // A malformed version is not planned around: resolveNode reports it with the usual message.
  if (!parsedFrom || !parsedTo) return { versions: { ...current, ...definedOnly(request) } as DeclaredVersions, notes };
  const fromMinor = minorOf(parsedFrom);
  const toMinor = minorOf(parsedTo);
  if (compareMinors(toMinor, fromMinor) < 0 && !request.force) {
    throw new InvalidNodeOptionsError([
      `Kubernetes ${kubeVersion} would downgrade the node across a minor (from ${current.kubeVersion}); kubelet state in /var may not survive that. Pass --force to do it anyway (then run down --volumes before up).`,
    ]);
  }
  const fromFacts = KUBERNETES_MINORS.find((k) => k.minor === fromMinor);
  const toFacts = KUBERNETES_MINORS.find((k) => k.minor === toMinor);

  let kubeGoVersion = request.kubeGoVersion ?? current.kubeGoVersion;
  if (request.kubeGoVersion === undefined && toFacts && fromMinor !== toMinor) {
    const wasDefault = fromFacts && current.kubeGoVersion === fromFacts.go;
    const currentGo = parseVersion(current.kubeGoVersion);
    const tooOld = !currentGo || compareVersions(currentGo, parseVersion(toFacts.go)!) < 0;
    if (wasDefault || tooOld) kubeGoVersion = toFacts.go;
    else notes.push(`Kept your Go ${current.kubeGoVersion} for the kubelet build (Kubernetes ${toMinor} needs ${toFacts.go} or newer).`);
  }

  let criDockerdVersion = request.criDockerdVersion ?? current.criDockerdVersion;
  if (request.criDockerdVersion === undefined && toFacts) {
    const installed = parseVersion(criDockerdVersion);
    if (installed && compareVersions(installed, parseVersion(toFacts.minCriDockerd)!) < 0) {
      const target = compareVersions(parseVersion(DEFAULT_VERSIONS.criDockerd)!, parseVersion(toFacts.minCriDockerd)!) >= 0 ? DEFAULT_VERSIONS.criDockerd : toFacts.minCriDockerd;
      notes.push(`cri-dockerd ${criDockerdVersion} is too old for Kubernetes ${toMinor} (${toFacts.minCriDockerdReason}): moved to ${target}.`);
      criDockerdVersion = target;
    }
  }

  const criChanged = criDockerdVersion !== current.criDockerdVersion;
  const criDockerdGoVersion =
    request.criDockerdGoVersion ?? (criChanged ? undefined : current.criDockerdGoVersion);

  const kicbaseVersion = request.kicbaseVersion ?? current.kicbaseVersion;
  const kicbaseImage = request.kicbaseImage ?? current.kicbaseImage;
  if (current.kicbaseImage && !request.kicbaseImage && kicbaseVersion !== current.kicbaseVersion) {
    notes.push(`The node's base image is your own reference (${current.kicbaseImage}); point it at kicbase ${kicbaseVersion} with --kicbaseImage.`);
  }

  return {
    versions: {
      kubeVersion,
      kubeGoVersion,
      criDockerdVersion,
      // Undefined: the matrix's Go for the new cri-dockerd (resolveNode fills it in).
      criDockerdGoVersion: criDockerdGoVersion as string,
      kicbaseVersion,
      ...(kicbaseImage ? { kicbaseImage } : {}),
      ...(request.allowUnknownVersions || current.allowUnknownVersions ? { allowUnknownVersions: true } : {}),
    },
    notes,
  };
}

/**
 * Records declared versions in a project.json text (`metadata["nx-kubelet"]`), re-serialized as the generator
 * writes it. Optionally registers a sync generator on the build target. Returns the text unchanged when nothing changes.
 */
export function declareVersionsInProjectJson(projectJson: string, declared: DeclaredVersions, syncGenerator?: string): string {
  const project = JSON.parse(projectJson);
  project.metadata = { ...(project.metadata ?? {}), [DECLARATION_KEY]: declared };
  const build = project.targets?.build;
  if (syncGenerator && build && !(build.syncGenerators ?? []).includes(syncGenerator)) {
    build.syncGenerators = [...(build.syncGenerators ?? []), syncGenerator];
  }
  const next = `${JSON.stringify(project, null, 2)}\n`;
  return JSON.stringify(JSON.parse(projectJson)) === JSON.stringify(project) ? projectJson : next;
}

function definedOnly(request: VersionRequest): Partial<DeclaredVersions> {
  const { force: _force, ...versions } = request;
  return Object.fromEntries(Object.entries(versions).filter(([, value]) => value !== undefined));
}

export interface FileChanges {
  files: NodeFiles;
  /** One line per change: `Dockerfile.kicbase: ARG KUBE_VERSION v1.34.0 → v1.35.8`. */
  changes: string[];
}

/** Build args that carry the declared versions, in the Dockerfile (ARG defaults) and compose.yaml. */
export function versionArgs(model: NodeModel): Record<string, string> {
  return {
    KICBASE_VERSION: model.kicbase.version,
    KUBE_VERSION: model.kubernetes.version,
    KUBE_VERSION_GO: model.kubernetes.goVersion,
    CRI_DOCKERD_VERSION: model.criDockerd.version,
    CRI_DOCKERD_VERSION_GO: model.criDockerd.goVersion,
  };
}

/** Dockerfile-only ARG defaults that follow from the versions. */
function dockerfileOnlyArgs(model: NodeModel): Record<string, string> {
  return {
    CRI_DOCKERD_SHA256_AMD64: model.criDockerd.sha256.amd64 ?? '',
    CRI_DOCKERD_SHA256_ARM64: model.criDockerd.sha256.arm64 ?? '',
    ...(model.kicbase.imageOverridden ? { KICBASE_IMAGE: model.kicbase.image } : {}),
  };
}

/**
 * Brings the Dockerfile's ARG defaults and compose.yaml's build args in line with the model's versions
 * (what `nx sync` repairs). Nothing else is touched.
 */
export function syncVersionArgs(files: NodeFiles, model: NodeModel): FileChanges {
  const out = { ...files };
  const changes: string[] = [];
  const dockerfile = out[DOCKERFILE];
  if (dockerfile !== undefined) {
    let next = dockerfile;
    for (const [name, value] of Object.entries({ ...versionArgs(model), ...dockerfileOnlyArgs(model) })) {
      const old = readDockerfileArg(next, name);
      if (old === undefined || old === value) continue;
      next = setDockerfileArg(next, name, value);
      changes.push(`${DOCKERFILE}: ARG ${name} ${old || '(empty)'} → ${value || '(empty)'}`);
    }
    out[DOCKERFILE] = next;
  }
  const compose = out[COMPOSE];
  if (compose !== undefined) {
    const before = readComposeBuildArgs(compose, model.compose.service);
    const wanted = versionArgs(model);
    out[COMPOSE] = setComposeBuildArgs(compose, model.compose.service, wanted);
    for (const [key, value] of Object.entries(wanted)) {
      if (key in before && before[key] !== value) changes.push(`${COMPOSE}: build arg ${key} ${before[key]} → ${value}`);
    }
  }
  return { files: out, changes };
}

/**
 * Moves a node's files from `from` to `to`: the version args, the version-dependent content (the kubelet's
 * --pod-infra-container-image before 1.35, the pause image, failCgroupV1 from 1.31), the version named in generated
 * comments, the image tag, and README.md when the user has not edited it.
 */
export function upgradeNodeFiles(files: NodeFiles, from: NodeModel, to: NodeModel, templates: NodeTemplates): FileChanges {
  const { files: out, changes } = syncVersionArgs(files, to);
  const edit = (path: string, transform: (text: string) => string, describe: string) => {
    if (out[path] === undefined) return;
    const next = transform(out[path]);
    if (next !== out[path]) {
      out[path] = next;
      changes.push(`${path}: ${describe}`);
    }
  };
  const [fromKube, toKube] = [from.kubernetes, to.kubernetes];

  edit(KUBELET_UNIT, (unit) => setExecStartFlag(unit, POD_INFRA, toKube.podInfraContainerImageFlag ? toKube.pauseImage : undefined, POD_INFRA_COMMENT),
    toKube.podInfraContainerImageFlag ? `kubelet ${POD_INFRA}=${toKube.pauseImage}` : `kubelet without ${POD_INFRA} (removed in 1.35)`);
  edit(CRI_DOCKER_UNIT, (unit) => setExecStartFlag(unit, POD_INFRA, to.kubernetes.pauseImage), `cri-dockerd ${POD_INFRA}=${toKube.pauseImage}`);
  edit(KUBELET_YAML, (yaml) => setKubeletField(yaml, 'failCgroupV1', toKube.failCgroupV1Field ? false : undefined, FAIL_CGROUP_V1_COMMENT),
    toKube.failCgroupV1Field ? 'failCgroupV1: false' : 'no failCgroupV1 (the field does not exist before 1.31)');

  // Generated comments and descriptions that name the version.
  const namesVersion = (line: string) => line.startsWith('#') || line.startsWith('Description=');
  edit(DOCKERFILE, (text) => replaceInLines(replaceInLines(text, namesVersion, fromKube.version, toKube.version), namesVersion, from.criDockerd.version, to.criDockerd.version), 'versions in comments');
  edit(DOCKERFILE, (text) => replaceInLines(text, (line) => line.startsWith('# kubelet node'), from.kicbase.version, to.kicbase.version), 'kicbase version in comments');
  edit(KUBELET_UNIT, (text) => replaceInLines(text, namesVersion, fromKube.version, toKube.version), `description names ${toKube.version}`);
  edit(KUBELET_YAML, (text) => replaceInLines(text, (line) => line.startsWith('#'), fromKube.version, toKube.version), `comment names ${toKube.version}`);
  edit(CRI_DOCKER_UNIT, (text) => replaceInLines(text, (line) => line.startsWith('#'), `Kubernetes ${fromKube.minor}`, `Kubernetes ${toKube.minor}`), `comment names Kubernetes ${toKube.minor}`);
  edit(COMPOSE, (text) => setComposeImage(text, to.compose.service, from.compose.image, to.compose.image), `image ${to.compose.image}`);

  // README.md is documentation: replaced only when it is exactly what nx-kubelet wrote for the old versions.
  if (out[README] !== undefined) {
    const before = renderNode(from, templates)[README];
    if (out[README] === before) edit(README, () => renderNode(to, templates)[README], `rewritten for ${toKube.version}`);
    else if (fromKube.version !== toKube.version) changes.push(`${README}: left as it is (you edited it); its version table still names ${fromKube.version}`);
  }
  return { files: out, changes };
}
