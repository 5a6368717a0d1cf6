/**
 * THE table of what nx-kubelet manages in a node: every version-dependent fact, the file it lives in, how it is found
 * there (a locator) and its value as a function of the node model. Templates take these values through `fact(id)`
 * (and never see a version otherwise), facts that exist only for some nodes are added by {@link applyFacts} after
 * rendering, and upgrade, sync and migrations set them with the same function. Adding a version-dependent setting is
 * one entry here. The engine that applies them is apply-facts.ts; templates see them through template-data.ts.
 */
import type { FactContext } from './front-end';
import { composeBuildArg, composeServiceKey, dockerfileArg, execStartFlag, Locator, wholeFile, yamlMapEntry, yamlTopLevelField } from './locators';
import type { NodeModel } from './node-model';
import { BIN_README, COMPOSE, CRI_DOCKER_UNIT, DOCKERFILE, KUBELET_UNIT, KUBELET_YAML, README } from './node-files';
import { renderTemplate } from './render-template';
import { templateData } from './template-data';
import { KICBASE_REPOSITORY, VERSION_DEPENDENT } from './version-matrix';
import { previousMinor } from './versions';

export interface ManagedFact {
  /** Stable id, used by templates: `fact('dockerfile:KUBE_VERSION')`. */
  id: string;
  /** The file, relative to the node (`compose.yaml` stands for whichever compose file the node has). */
  file: string;
  /** What the fact is, for messages: "the kubelet's Kubernetes version". */
  what: string;
  locator: Locator;
  /** The value for a node; undefined: the fact must not be there (a field or flag this Kubernetes does not know). */
  value(model: NodeModel, context: FactContext): string | undefined;
  /**
   * A node must have it: without it nx-kubelet cannot keep the node's versions (upgrade and sync stop and say so).
   * Otherwise a fact that is missing where it was expected was removed on purpose, and stays removed.
   */
  required?: boolean;
  /**
   * True when a present value is the user's own rather than one nx-kubelet wrote: kept, and reported as kept.
   * Always true for interpolated values (`${…}`), whatever this says.
   */
  usersOwn?(current: string, node: { from: NodeModel; to: NodeModel; previous?: string; wanted?: string }): boolean;
  /** When two values say the same (documentation a formatter touched). @default equal text */
  equivalent?(a: string, b: string): boolean;
  /**
   * What a value of undefined means: `rejected` (the kubelet refuses the setting, so it is removed whoever wrote it)
   * or `unneeded` (nx-kubelet no longer writes it, but a value of the user's own stays). @default rejected
   */
  absentMeans?: 'rejected' | 'unneeded';
  /**
   * The nx-kubelet release that introduced the fact (nodes generated before it never had it); its migration adds it to
   * existing nodes (factsAddedIn, applyFacts' newFacts). None: the fact is as old as the nodes nx-kubelet manages.
   */
  since?: string;
}

const POD_INFRA = '--pod-infra-container-image';
const { podInfraContainerImageFlag, failCgroupV1Field, failCgroupV1ByDefault, cgroupDriverFromCriGate } = VERSION_DEPENDENT;

/** Version build args: a Dockerfile ARG default and the same compose build arg (which wins when both are set). */
function versionArg(name: string, what: string, value: (model: NodeModel) => string): ManagedFact[] {
  return [
    { id: `dockerfile:${name}`, file: DOCKERFILE, what, locator: dockerfileArg(name), value, required: true },
    { id: `compose:${name}`, file: COMPOSE, what, locator: composeBuildArg(name), value },
  ];
}

/** Text that a reformatting tool may change without changing what it says (whitespace, table padding, list markers). */
export function normalizeDocument(text: string): string {
  return text.replace(/[\s|:*_\\-]/g, '');
}

/** A generated document (a template of its own, rendered with the whole model): replaced only while nobody edited it. */
function generatedDocument(path: string, exists: (model: NodeModel) => boolean): ManagedFact {
  const renderDocument = (model: NodeModel, context: FactContext) =>
    exists(model) ? renderTemplate(context.templates[`${path}.ejs`], templateData(model, context, true), `${path}.ejs`) : undefined;
  return {
    id: `doc:${path}`,
    file: path,
    what: 'documentation generated for the node',
    locator: wholeFile,
    value: renderDocument,
    // Edited: neither what nx-kubelet rendered for the old versions nor for the new ones (values applyFacts has already).
    usersOwn: (current, { previous, wanted }) => ![previous, wanted].some((text) => normalizeDocument(text ?? '') === normalizeDocument(current)),
    equivalent: (a, b) => normalizeDocument(a) === normalizeDocument(b),
  };
}

export const MANAGED_FACTS: readonly ManagedFact[] = [
  ...versionArg('KICBASE_VERSION', 'the kicbase release', (m) => m.kicbase.version),
  {
    id: 'dockerfile:KICBASE_IMAGE',
    file: DOCKERFILE,
    what: 'the base image',
    locator: dockerfileArg('KICBASE_IMAGE'),
    value: (m) => (m.kicbase.imageOverridden ? m.kicbase.image : `${KICBASE_REPOSITORY}:\${KICBASE_VERSION}`),
    required: true,
  },
  ...versionArg('KUBE_VERSION', "the kubelet's Kubernetes version", (m) => m.kubernetes.version),
  ...versionArg('KUBE_VERSION_GO', 'the Go that builds the kubelet', (m) => m.kubernetes.goVersion),
  ...versionArg('CRI_DOCKERD_VERSION', 'the cri-dockerd release', (m) => m.criDockerd.version),
  ...versionArg('CRI_DOCKERD_VERSION_GO', 'the Go that builds cri-dockerd', (m) => m.criDockerd.goVersion),
  ...(['amd64', 'arm64'] as const).map((arch): ManagedFact => ({
    id: `dockerfile:KUBELET_SHA256_${arch.toUpperCase()}`,
    file: DOCKERFILE,
    what: `the pinned SHA-256 of the ${arch} kubelet binary`,
    locator: dockerfileArg(`KUBELET_SHA256_${arch.toUpperCase()}`),
    value: (m) => m.kubernetes.sha256[arch] ?? '',
    required: true,
    // 0.3.0's migration brings these with the 0.3.0 build stages (an ARG cannot be added on its own).
    since: '0.3.0',
  })),
  ...(['amd64', 'arm64'] as const).map((arch): ManagedFact => ({
    id: `dockerfile:CRI_DOCKERD_SHA256_${arch.toUpperCase()}`,
    file: DOCKERFILE,
    what: `the pinned SHA-256 of the cri-dockerd ${arch} release archive`,
    locator: dockerfileArg(`CRI_DOCKERD_SHA256_${arch.toUpperCase()}`),
    value: (m) => m.criDockerd.sha256[arch] ?? '',
    required: true,
  })),
  {
    id: 'compose:image',
    file: COMPOSE,
    what: "the node image's tag",
    locator: composeServiceKey('image'),
    value: (m) => m.compose.image,
    // An image name of the user's own (not nx-kubelet-<name>:…) is theirs.
    usersOwn: (current, { to }) => !current.startsWith(`nx-kubelet-${to.name}:`),
  },
  {
    id: 'kubelet.yaml:failCgroupV1',
    file: KUBELET_YAML,
    what: `failCgroupV1 (a kubelet field since ${failCgroupV1Field.since})`,
    locator: yamlTopLevelField('failCgroupV1', {
      after: 'cgroupDriver',
      comment: `Also run on cgroup v1 hosts (the default became true in ${failCgroupV1ByDefault.since} and the kubelet then refuses to start on them).`,
    }),
    value: (m) => (m.kubernetes.failCgroupV1Field ? 'false' : undefined),
    // `true` is a choice of the user's (this host is cgroup v2 only); only the field's existence follows the version.
    usersOwn: (current) => current !== 'false',
  },
  {
    id: 'kubelet.yaml:featureGates.KubeletCgroupDriverFromCRI',
    file: KUBELET_YAML,
    what: `the KubeletCgroupDriverFromCRI feature gate (off by default before ${cgroupDriverFromCriGate.until})`,
    locator: yamlMapEntry('featureGates', 'KubeletCgroupDriverFromCRI', {
      after: 'cgroupDriver',
      comment: `Take the cgroup driver from cri-dockerd (Docker's), as kubelets do by default from ${cgroupDriverFromCriGate.until}.`,
    }),
    value: (m) => (m.kubernetes.cgroupDriverFromCriGate ? 'true' : undefined),
    usersOwn: (current) => current !== 'true',
    absentMeans: 'unneeded',
    since: '0.3.0',
  },
  {
    id: `kubelet.service:${POD_INFRA}`,
    file: KUBELET_UNIT,
    what: `the kubelet's pause image flag (removed in ${podInfraContainerImageFlag.until})`,
    locator: execStartFlag(
      'kubelet',
      POD_INFRA,
      `${POD_INFRA}: deprecated but accepted up to ${previousMinor(podInfraContainerImageFlag.until)} (removed in ${podInfraContainerImageFlag.until}, kubernetes#133779).`,
    ),
    value: (m) => (m.kubernetes.podInfraContainerImageFlag ? m.kubernetes.pauseImage : undefined),
  },
  {
    id: `cri-docker.service:${POD_INFRA}`,
    file: CRI_DOCKER_UNIT,
    what: "cri-dockerd's pause image (the minor's pause tag)",
    locator: execStartFlag('cri-dockerd', POD_INFRA),
    value: (m) => m.kubernetes.pauseImage,
  },
  generatedDocument(README, () => true),
  generatedDocument(BIN_README, (m) => m.binarySource === 'local'),
];

/** The ids of the facts that nx-kubelet `release` introduced (those whose `since` is that release). */
export function factsAddedIn(release: string, facts: readonly ManagedFact[] = MANAGED_FACTS): string[] {
  return facts.filter((fact) => fact.since === release).map((fact) => fact.id);
}

/** The managed fact with this id (templates call it through `fact(id)`). */
export function managedFact(id: string): ManagedFact {
  const fact = MANAGED_FACTS.find((candidate) => candidate.id === id);
  if (!fact) throw new Error(`nx-kubelet: no managed fact "${id}"`);
  return fact;
}
