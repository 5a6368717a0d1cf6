/**
 * THE table of what nx-kubelet manages in a node: every version-dependent fact, the file it lives in, how it is found
 * there (a locator) and its value as a function of the node model. Templates take these values through `fact(id)`
 * (and never see a version otherwise), facts that exist only for some nodes are added by {@link applyFacts} after
 * rendering, and upgrade, sync and migrations set them with the same function. Adding a version-dependent setting is
 * one entry here.
 */
import { compile, TemplateFunction } from 'ejs';
import { composeBuildArg, composeServiceKey, dockerfileArg, execStartFlag, Found, Locator, LocatorContext, wholeFile, yamlMapEntry, yamlTopLevelField } from './locators';
import type { NodeModel } from './node-model';
import { BIN_README, COMPOSE, COMPOSE_FILES, CRI_DOCKER_UNIT, DOCKERFILE, KUBELET_UNIT, KUBELET_YAML, NodeFiles, README } from './node-files';
import { CGROUP_DRIVER_FROM_CRI_DEFAULT_SINCE, KICBASE_REPOSITORY } from './version-matrix';
import { compareMinors } from './versions';

/** Node operations whose commands generated files mention; the front-end (Nx, projen, the CLI) says how to run them. */
export type NodeOperation = 'build' | 'up' | 'down' | 'logs' | 'status' | 'shell' | 'load' | 'apply' | 'export-logs';

/** What a front-end contributes to generated files: its own commands, and where a node's versions are declared. */
export interface FrontEnd {
  /** The command that runs an operation on the node, e.g. `nx run my-node:up`. */
  command(operation: NodeOperation, node: string): string;
  /** A sentence or two: where the node's versions are declared and how to change them. */
  versionsHowTo(node: string): string;
  /**
   * Who made the generated files and who owns them, said in their header comments: e.g. `Created by nx-kubelet
   * (kubelet-node generator); yours to edit.`, or projen's "do not edit" marker.
   */
  provenance: string;
  /** The README's sentence on who made the node's files and who may edit them. */
  ownership: string;
}

/** Template sources keyed by their path below `templates/node/` (e.g. `units/kubelet.service.ejs`). */
export type NodeTemplates = Readonly<Record<string, string>>;

/** What fact values may need besides the model: the templates of generated documents, and the front-end. */
export interface FactContext {
  templates: NodeTemplates;
  frontEnd: FrontEnd;
}

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
}

const POD_INFRA = '--pod-infra-container-image';

/** Version build args: a Dockerfile ARG default and the same compose build arg (which wins when both are set). */
function versionArg(name: string, what: string, value: (model: NodeModel) => string): ManagedFact[] {
  return [
    { id: `dockerfile:${name}`, file: DOCKERFILE, what, locator: dockerfileArg(name), value, required: true },
    { id: `compose:${name}`, file: COMPOSE, what, locator: composeBuildArg(name), value },
  ];
}

const compiled = new Map<string, TemplateFunction>();
/** Renders an EJS template, compiled once per template text (rendering many nodes compiles each template once). */
export function renderTemplate(template: string, data: Record<string, unknown>, filename: string): string {
  let render = compiled.get(template);
  if (!render) compiled.set(template, (render = compile(template, { filename })));
  return render(data);
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
  ...(['amd64', 'arm64'] as const).map(
    (arch): ManagedFact => ({
      id: `dockerfile:KUBELET_SHA256_${arch.toUpperCase()}`,
      file: DOCKERFILE,
      what: `the pinned SHA-256 of the ${arch} kubelet binary`,
      locator: dockerfileArg(`KUBELET_SHA256_${arch.toUpperCase()}`),
      value: (m) => m.kubernetes.sha256[arch] ?? '',
      required: true,
    }),
  ),
  ...(['amd64', 'arm64'] as const).map(
    (arch): ManagedFact => ({
      id: `dockerfile:CRI_DOCKERD_SHA256_${arch.toUpperCase()}`,
      file: DOCKERFILE,
      what: `the pinned SHA-256 of the cri-dockerd ${arch} release archive`,
      locator: dockerfileArg(`CRI_DOCKERD_SHA256_${arch.toUpperCase()}`),
      value: (m) => m.criDockerd.sha256[arch] ?? '',
      required: true,
    }),
  ),
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
    what: 'failCgroupV1 (a kubelet field since 1.31)',
    locator: yamlTopLevelField('failCgroupV1', {
      after: 'cgroupDriver',
      comment: 'Also run on cgroup v1 hosts (the default became true in 1.35 and the kubelet then refuses to start on them).',
    }),
    value: (m) => (m.kubernetes.failCgroupV1Field ? 'false' : undefined),
    // `true` is a choice of the user's (this host is cgroup v2 only); only the field's existence follows the version.
    usersOwn: (current) => current !== 'false',
  },
  {
    id: 'kubelet.yaml:featureGates.KubeletCgroupDriverFromCRI',
    file: KUBELET_YAML,
    what: 'the KubeletCgroupDriverFromCRI feature gate (off by default before 1.31)',
    locator: yamlMapEntry('featureGates', 'KubeletCgroupDriverFromCRI', {
      after: 'cgroupDriver',
      comment: "Take the cgroup driver from cri-dockerd (Docker's), as kubelets do by default from 1.31.",
    }),
    value: (m) => (compareMinors(m.kubernetes.minor, CGROUP_DRIVER_FROM_CRI_DEFAULT_SINCE) < 0 ? 'true' : undefined),
    usersOwn: (current) => current !== 'true',
    absentMeans: 'unneeded',
  },
  {
    id: `kubelet.service:${POD_INFRA}`,
    file: KUBELET_UNIT,
    what: "the kubelet's pause image flag (removed in 1.35)",
    locator: execStartFlag('kubelet', POD_INFRA, `${POD_INFRA}: deprecated but accepted up to 1.34 (removed in 1.35, kubernetes#133779).`),
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

/** The managed fact with this id (templates call it through `fact(id)`). */
export function managedFact(id: string): ManagedFact {
  const fact = MANAGED_FACTS.find((candidate) => candidate.id === id);
  if (!fact) throw new Error(`nx-kubelet: no managed fact "${id}"`);
  return fact;
}

/**
 * What templates see: the node's name, directory, hostname, binary source and compose names, the front-end's
 * commands, and `fact(id)` for anything version-dependent. Generated documents (`withVersions`) also see the whole
 * model, since describing the versions is what they are for.
 */
export function templateData(model: NodeModel, context: FactContext, withVersions = false): Record<string, unknown> {
  const neutral = {
    name: model.name,
    hostname: model.hostname,
    directory: model.directory,
    binarySource: model.binarySource,
    examplePod: model.examplePod,
    compose: { project: model.compose.project, service: model.compose.service, volume: model.compose.volume },
    engine: model.engine,
    resources: model.resources,
    fact: (id: string) => managedFact(id).value(model, context) ?? '',
    command: (operation: NodeOperation) => context.frontEnd.command(operation, model.name),
    versionsHowTo: context.frontEnd.versionsHowTo(model.name),
    provenance: context.frontEnd.provenance,
    ownership: context.frontEnd.ownership,
  };
  return withVersions ? { ...model, ...neutral, compose: model.compose } : neutral;
}

export interface AppliedFacts {
  files: NodeFiles;
  /** One line per fact whose text changed: `Dockerfile.kicbase: ARG KUBE_VERSION v1.34.0 → v1.35.8`. */
  changes: string[];
  /** Values that are the user's and were kept (interpolation, own image name, edited documentation). */
  kept: string[];
  /** Facts that cannot be found: the node cannot be managed until they are back. Nothing was changed when non-empty. */
  problems: string[];
}

/** The compose file a node uses (any of the names Compose and nx-kubelet's inference know), or compose.yaml. */
export function composeFileOf(files: NodeFiles | ((path: string) => boolean)): string {
  const exists = typeof files === 'function' ? files : (path: string) => path in files;
  return COMPOSE_FILES.find((name) => exists(name)) ?? COMPOSE;
}

const shorten = (value: string) => (value.length > 60 ? `${value.slice(0, 57)}…` : value) || '(empty)';

/**
 * Brings a node's files from model `from` to model `to`, one managed fact at a time, and nothing else:
 * - a value nx-kubelet wrote is set to the new one (a fact `to` does not have is removed);
 * - a fact that `to` has and `from` did not (a field that exists from some minor on) is added;
 * - a value that is the user's (interpolated, an own image name, edited documentation) is kept;
 * - a fact that was expected but is missing stays missing, unless it is required: then nothing is changed in the node
 *   and `problems` say what is missing and what to do.
 * Sync is `applyFacts(files, model, model)`; an upgrade passes the old and the new model; generation renders the
 * templates and applies the facts of the model onto them (`from` undefined: every fact is new).
 */
export function applyFacts(
  files: NodeFiles,
  from: NodeModel | undefined,
  to: NodeModel,
  context: FactContext,
  /** Ids of facts that a newer nx-kubelet manages and the node's files never had: added where missing. */
  newFacts: readonly string[] = [],
): AppliedFacts {
  const out: NodeFiles = { ...files };
  const changes: string[] = [];
  const kept: string[] = [];
  const problems: string[] = [];
  const locatorContext: LocatorContext = { service: to.compose.service };
  const composePath = composeFileOf(files);

  for (const fact of MANAGED_FACTS) {
    const path = fact.file === COMPOSE ? composePath : fact.file;
    const wanted = fact.value(to, context);
    const previous = from ? fact.value(from, context) : undefined;
    const same = (a: string | undefined, b: string | undefined) => a === b || (a !== undefined && b !== undefined && !!fact.equivalent?.(a, b));
    const where = `${path}: ${fact.locator.describe(locatorContext)}`;
    const problem = (why: string) => problems.push(`${path}: ${why} ${fact.what} (${fact.locator.describe(locatorContext)}). ${remedy(fact, wanted, locatorContext)}`);
    const text = out[path];
    const found: Found =
      text === undefined ? (fact.locator === wholeFile ? { state: 'absent' } : { state: 'unreadable', reason: 'the file is missing' }) : fact.locator.read(text, locatorContext);

    if (found.state === 'unreadable') {
      // A problem only where something must be done or kept: a required fact, a value this move changes, a new node.
      if (fact.required || from === undefined || !same(wanted, previous)) problem(`${found.reason}: cannot find`);
      continue;
    }
    if (found.state === 'absent') {
      if (wanted === undefined) continue;
      if (from === undefined || previous === undefined || newFacts.includes(fact.id)) {
        // New for this node (a field that exists from this minor on, a new node, a fact this release introduced): added.
        const next = fact.locator.canAdd ? fact.locator.write(text ?? '', wanted, locatorContext) : text;
        const reread = next === undefined ? undefined : fact.locator.read(next, locatorContext);
        if (next === undefined || next === text || reread?.state !== 'present' || reread.value !== wanted) problem('cannot add');
        else {
          out[path] = next;
          changes.push(fact.locator === wholeFile ? `${path}: created` : `${where} added ${shorten(wanted)}`);
        }
      } else if (fact.required) {
        problem('it is missing: cannot find');
      }
      continue;
    }
    const current = found.value;
    const usersOwn = () =>
      !same(current, previous) && (current.includes('${') || !!fact.usersOwn?.(current, { from: from ?? to, to, previous, wanted }));
    if (wanted === undefined) {
      // Not there for this Kubernetes (the kubelet would refuse it): removed, unless it is documentation you edited.
      if (fact.locator === wholeFile) {
        if (usersOwn()) kept.push(`${path}: kept as it is (it is not generated for this node any more)`);
        else {
          delete out[path];
          changes.push(`${path}: removed`);
        }
      } else if (fact.absentMeans === 'unneeded' && usersOwn()) {
        kept.push(`${where} kept your ${shorten(current)} (nx-kubelet no longer sets it for this node)`);
      } else {
        const next = fact.locator.write(text!, undefined, locatorContext);
        if (fact.locator.read(next, locatorContext).state !== 'absent') problem('cannot remove');
        else {
          out[path] = next;
          changes.push(`${where} removed (was ${shorten(current)})`);
        }
      }
      continue;
    }
    if (same(current, wanted)) continue;
    if (usersOwn()) {
      kept.push(fact.locator === wholeFile ? `${path}: kept as it is (you edited it)` : `${where} kept your ${shorten(current)} (nx-kubelet's value: ${shorten(wanted)})`);
      continue;
    }
    const next = fact.locator.write(text!, wanted, locatorContext);
    const reread = fact.locator.read(next, locatorContext);
    if (reread.state !== 'present' || reread.value !== wanted) {
      problem(`could not set`);
      continue;
    }
    out[path] = next;
    changes.push(fact.locator === wholeFile ? `${path}: regenerated` : `${where} ${shorten(current)} → ${shorten(wanted)}`);
  }
  return problems.length > 0 ? { files, changes: [], kept, problems } : { files: out, changes, kept, problems };
}

function remedy(fact: ManagedFact, wanted: string | undefined, context: LocatorContext): string {
  if (wanted === undefined) return `This Kubernetes does not accept it: restore the file's structure so that nx-kubelet can check it, or remove it yourself and restore the structure afterwards.`;
  return `Restore ${fact.locator.describe(context)} (value: ${shorten(wanted)}) and run this again; nothing in this node was changed.`;
}
