/**
 * Moving a node from one set of versions to another, and keeping its files in line with its declared versions.
 * Pure: files in, files out, through the managed facts (managed-facts.ts); everything else in the files, the user's
 * own settings included, stays byte for byte.
 */
import { readComposeBuildArgs, readDockerfileArg } from './locators';
import { applyFacts, AppliedFacts } from './apply-facts';
import type { FactContext } from './front-end';
import { MANAGED_FACTS } from './managed-facts';
import { BinarySource, DeclaredVersions, InvalidNodeOptionsError, KubeletNodeOptions, NodeModel, resolveNode } from './node-model';
import { COMPOSE, composeFileOf, DOCKERFILE, EXAMPLE_POD, NodeFiles } from './node-files';
import { checkNodeFiles, readEngineRecord } from './node-records';
import { parseDocument } from 'yaml';
import { DEFAULT_VERSIONS, KUBERNETES_MINORS } from './version-matrix';
import { compareMinors, compareVersions, minorOf, parseVersion } from './versions';

export type VersionRequest = Partial<Omit<DeclaredVersions, 'allowUnknownVersions'>> & { allowUnknownVersions?: boolean; force?: boolean };

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

/** An existing node: its name, directory and the files nx-kubelet manages (see {@link managedPaths}). */
export interface ExistingNode {
  name: string;
  directory: string;
  files: NodeFiles;
}

/**
 * The files of a node that nx-kubelet reads and may write, given a check for which files exist: what a front-end
 * reads before upgrade or sync (never `bin/`'s binaries or the user's manifests).
 */
export function managedPaths(exists: (path: string) => boolean): string[] {
  const compose = composeFileOf(exists);
  return [...new Set(MANAGED_FACTS.map((fact) => (fact.file === COMPOSE ? compose : fact.file)))].filter(exists);
}

/**
 * A compose (or Dockerfile) value as it takes effect with the variables `env`: `${VAR:-default}` (default when VAR is
 * unset or empty), `${VAR-default}` (default when unset), `${VAR}`; plain text is itself. Anything more complex gives
 * undefined. With no `env`, the value a node has when nothing is set (what the model of a node is built from).
 */
export function interpolateComposeValue(value: string | undefined, env: Record<string, string | undefined> = {}): string | undefined {
  if (value === undefined || !value.includes('$')) return value;
  const match = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}$]*))?\}$/.exec(value);
  if (!match) return undefined;
  const [, name, operator, fallback] = match;
  const set = env[name];
  if (operator === ':-') return set ? set : fallback;
  if (operator === '-') return set ?? fallback;
  return set;
}

/**
 * Rebuilds the model of an existing node from its versions and its files (hostname, binary source). `existing`
 * (the default) accepts the versions the node has even where this nx-kubelet would refuse them for a new node; an
 * upgrade's target versions are checked as strictly as a new node's. Throws UnreadableNodeError (node-records.ts)
 * when the node's files cannot be read: a file a managed fact lives in is missing, does not parse, or its engine
 * record has the wrong type.
 */
export function modelOfNode(node: ExistingNode, declared: DeclaredVersions, existing = true): NodeModel {
  checkNodeFiles(node);
  const composeFile = composeFileOf(node.files);
  const compose = node.files[composeFile] ?? '';
  const service = node.name;
  const engine = readEngineRecord(compose, composeFile);
  const args = readComposeBuildArgs(compose, service);
  // The node's own service: another service's hostname (a user's sidecar) must not be taken for it.
  const document = parseDocument(compose);
  const scalar = (path: string[]) => {
    const value = document.getIn(path);
    return value === undefined || value === null || typeof value === 'object' ? undefined : interpolateComposeValue(String(value));
  };
  const hostname = scalar(['services', service, 'hostname']);
  const binarySource =
    interpolateComposeValue(args.BINARY_SOURCE) ?? interpolateComposeValue(readDockerfileArg(node.files[DOCKERFILE] ?? '', 'BINARY_SOURCE')) ?? 'source';
  const options: KubeletNodeOptions = {
    name: node.name,
    directory: node.directory,
    hostname,
    examplePod: EXAMPLE_POD in node.files,
    binarySource: binarySource as BinarySource,
    // Where it runs and its limits are the node's own settings, kept as its files have them.
    engine: engine.engine,
    dockerContext: interpolateComposeValue(engine.context),
    dockerHost: interpolateComposeValue(engine.host),
    cpus: scalar(['services', service, 'cpus']),
    memory: scalar(['services', service, 'mem_limit']),
    ...declared,
  };
  return resolveNode(options, { hasProject: () => false, directoryHasFiles: () => false }, existing);
}

/**
 * What a downgrade across minors does with the /var volume, as the real test (generators/tests/upgrade-real.test.ts)
 * found it: the older kubelet started on the newer kubelet's state in the kept volume and ran the static pods again.
 */
export const DOWNGRADE_VOLUME =
  "keep the /var volume (build, then up: in nx-kubelet's real test the older kubelet starts on the newer one's state there and runs the static pods again); if the kubelet does not become healthy, run down --volumes, then up (a fresh /var: the node's images are loaded again).";

export interface UpgradePlan {
  versions: DeclaredVersions;
  /** Decisions the user should know about (forced bumps, kept pins). */
  notes: string[];
}

/**
 * The versions a node moves to: what was asked for, plus what that forces (the Go of a new minor, a cri-dockerd new
 * enough for it). A Go or cri-dockerd the user pinned above the minimum is kept. Throws on a downgrade across a
 * minor unless `force`; `forceHow` says how the front-end sets it (`Pass --force`).
 */
export function planUpgrade(current: DeclaredVersions, request: VersionRequest, forceHow = 'Pass --force'): UpgradePlan {
  const notes: string[] = [];
  const kubeVersion = request.kubeVersion ?? current.kubeVersion;
  const [parsedFrom, parsedTo] = [parseVersion(current.kubeVersion), parseVersion(kubeVersion)];
  // A malformed version is not planned around: resolveNode reports it with the usual message.
  if (!parsedFrom || !parsedTo) return { versions: { ...current, ...definedOnly(request) } as DeclaredVersions, notes };
  const fromMinor = minorOf(parsedFrom);
  const toMinor = minorOf(parsedTo);
  if (compareMinors(toMinor, fromMinor) < 0 && !request.force) {
    throw new InvalidNodeOptionsError([
      `Kubernetes ${kubeVersion} would downgrade the node across a minor (from ${current.kubeVersion}), which Kubernetes does not support. ${forceHow} to do it anyway: ${DOWNGRADE_VOLUME}`,
    ]);
  }
  if (compareMinors(toMinor, fromMinor) < 0) {
    // A new base image makes the /var volume go anyway (the next steps say so); otherwise it can stay.
    const newBase =
      (request.kicbaseVersion !== undefined && request.kicbaseVersion !== current.kicbaseVersion) ||
      (request.kicbaseImage !== undefined && request.kicbaseImage !== current.kicbaseImage);
    notes.push(
      `A downgrade across a minor (Kubernetes ${fromMinor} → ${toMinor}): ${newBase ? 'the base image changes too, so the /var volume goes (down --volumes, then up).' : DOWNGRADE_VOLUME}`,
    );
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
      const target =
        compareVersions(parseVersion(DEFAULT_VERSIONS.criDockerd)!, parseVersion(toFacts.minCriDockerd)!) >= 0
          ? DEFAULT_VERSIONS.criDockerd
          : toFacts.minCriDockerd;
      notes.push(`cri-dockerd ${criDockerdVersion} is too old for Kubernetes ${toMinor} (${toFacts.minCriDockerdReason}): moved to ${target}.`);
      criDockerdVersion = target;
    }
  }

  const criChanged = criDockerdVersion !== current.criDockerdVersion;
  const criDockerdGoVersion = request.criDockerdGoVersion ?? (criChanged ? undefined : current.criDockerdGoVersion);

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

function definedOnly(request: VersionRequest): Partial<DeclaredVersions> {
  const { force: _force, ...versions } = request;
  return Object.fromEntries(Object.entries(versions).filter(([, value]) => value !== undefined));
}

/** Moves a node's files from the model `from` to the model `to` (see applyFacts: only managed facts change). */
export function upgradeNodeFiles(files: NodeFiles, from: NodeModel, to: NodeModel, context: FactContext): AppliedFacts {
  return applyFacts(files, from, to, context);
}

/** Brings a node's files in line with its model (what `nx sync` repairs): drift in managed facts, nothing else. */
export function syncNodeFiles(files: NodeFiles, model: NodeModel, context: FactContext): AppliedFacts {
  return applyFacts(files, model, model, context);
}
