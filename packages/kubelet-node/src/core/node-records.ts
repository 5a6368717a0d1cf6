/**
 * Typed reads of the records an existing node carries, once, for every front-end: its declared versions (where the
 * front-end keeps them: Nx in project.json), the engine record in its compose file (`x-kubelet-node`), and whether the
 * files that hold its managed facts are there and readable at all. A record of the wrong type, a missing file or one
 * that does not parse is an {@link UnreadableNodeError} naming the node, the file and the reason; nothing is guessed
 * (a version of null is not "the default", an engine record that is not a mapping is not "the default engine").
 * Front-ends add only their wording.
 */
import { isMap, isScalar } from 'yaml';
import { checkDockerContext, checkEngineKind, EngineKind, InvalidEngineAddressError, parseEngineAddress } from './engine-address';
import { ParsedNodeYaml, parseNodeYaml, UnreadableNodeFileError } from './exposure';
import { wholeFile } from './locators';
import { MANAGED_FACTS } from './managed-facts';
import type { DeclaredVersions } from './node-model';
import { COMPOSE, composeFileOf, ENGINE_KEY, KUBELET_YAML, NodeFiles } from './node-files';

/** A node nx-kubelet cannot read: each problem names the node, the file (from the workspace) and the reason. */
export class UnreadableNodeError extends Error {
  /** One line per problem: `Node "my-node": packages/my-node/kubelet.yaml:3: does not parse (…)`. */
  readonly problems: string[];
  constructor(
    readonly node: string,
    directory: string,
    /** Each starts with a path relative to the node's folder: `kubelet.yaml:3: does not parse (…)`. */
    reasons: string[],
  ) {
    const problems = reasons.map((reason) => `Node "${node}": ${directory && directory !== '.' ? `${directory}/` : ''}${reason}`);
    super(problems.join('\n'));
    this.name = 'UnreadableNodeError';
    this.problems = problems;
  }
}

/** A node as a front-end knows it: its name and folder (as messages show it). */
export interface NodeIdentity {
  name: string;
  directory: string;
}

/** How a value that is not what a record needs is named in messages: `null`, `the number 1.34`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (it is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  return `a${typeof value === 'object' ? 'n object' : ` ${typeof value}`}`;
}

/** The fields of a declaration, with an example of each for messages. */
const VERSION_FIELDS: [keyof DeclaredVersions, string][] = [
  ['kubeVersion', '1.34'],
  ['kubeGoVersion', '1.24'],
  ['criDockerdVersion', 'v0.3.21'],
  ['criDockerdGoVersion', '1.24'],
  ['kicbaseVersion', 'v0.0.47'],
];

/**
 * A node's declared versions, checked field by field. `raw` is the record as the front-end stores it (undefined: the
 * node declares none, as nodes of nx-kubelet 0.1.0); `where` names it from the node's folder, e.g.
 * `project.json metadata["nx-kubelet"]`. Throws {@link UnreadableNodeError} with one message per wrong field; the
 * versions' spelling is resolveNode's to check.
 */
export function readDeclaredVersions(node: NodeIdentity, raw: unknown, where: string): DeclaredVersions | undefined {
  if (raw === undefined) return undefined;
  const fields = VERSION_FIELDS.map(([field]) => field).join(', ');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UnreadableNodeError(node.name, node.directory, [`${where} must be an object of versions (${fields}), got ${describeValue(raw)}`]);
  }
  const record = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, example] of VERSION_FIELDS) {
    const value = record[field];
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${where}.${field} must be a string like "${example}", got ${typeof value === 'string' ? 'an empty string' : describeValue(value)}`);
    }
  }
  if (record.kicbaseImage !== undefined && (typeof record.kicbaseImage !== 'string' || record.kicbaseImage.trim() === '')) {
    problems.push(`${where}.kicbaseImage must be an image reference such as "gcr.io/k8s-minikube/kicbase:v0.0.47", got ${describeValue(record.kicbaseImage)}`);
  }
  if (record.allowUnknownVersions !== undefined && typeof record.allowUnknownVersions !== 'boolean') {
    problems.push(`${where}.allowUnknownVersions must be true or false, got ${describeValue(record.allowUnknownVersions)}`);
  }
  if (problems.length > 0) throw new UnreadableNodeError(node.name, node.directory, problems);
  const declared = Object.fromEntries(VERSION_FIELDS.map(([field]) => [field, record[field]])) as unknown as DeclaredVersions;
  return {
    ...declared,
    ...(record.kicbaseImage !== undefined ? { kicbaseImage: record.kicbaseImage as string } : {}),
    ...(record.allowUnknownVersions !== undefined ? { allowUnknownVersions: record.allowUnknownVersions as boolean } : {}),
  };
}

/**
 * The engine a node records in its compose file (`x-kubelet-node`): its kind when not Docker (`engine: podman`), and a
 * docker context or a DOCKER_HOST, or neither.
 */
export interface EngineRecord {
  engine?: EngineKind;
  context?: string;
  host?: string;
}

/**
 * The node's engine record in its compose file's text: `x-kubelet-node` must be a mapping, and `docker-context` and
 * `docker-host` strings (unset, null or empty: not recorded). Throws {@link UnreadableNodeFileError} naming the file
 * and line of the first wrong one, or of a compose file that does not parse.
 */
export function readEngineRecord(compose: string | ParsedNodeYaml, composeFile: string = COMPOSE): EngineRecord {
  const { document, lines, error } = typeof compose === 'string' ? parseNodeYaml(compose) : compose;
  if (error) throw new UnreadableNodeFileError(composeFile, error.line, `${error.reason}.`);
  if (!isMap(document.contents)) return {};
  const lineOf = (node: { range?: [number, number, number?] | null } | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : undefined);
  const record = document.contents.get(ENGINE_KEY, true);
  if (record === undefined || record === null || (isScalar(record) && record.value === null)) return {};
  if (!isMap(record)) {
    const value = isScalar(record) ? record.value : (record as { toJSON(): unknown }).toJSON();
    throw new UnreadableNodeFileError(
      composeFile,
      lineOf(record as { range?: [number, number, number?] }),
      `${ENGINE_KEY} must be a mapping with engine, docker-context or docker-host, got ${describeValue(value)}: the node's engine cannot be told.`,
    );
  }
  const field = (key: string, example: string, check: (value: string, option: string) => unknown): string | undefined => {
    const node = record.get(key, true);
    if (node === undefined || node === null || (isScalar(node) && node.value === null)) return undefined;
    if (isScalar(node) && typeof node.value === 'string') {
      const value = node.value.trim() || undefined;
      try {
        if (value !== undefined) check(value, `${ENGINE_KEY}.${key}`);
      } catch (error) {
        if (!(error instanceof InvalidEngineAddressError)) throw error;
        throw new UnreadableNodeFileError(composeFile, lineOf(node as { range?: [number, number, number?] }), error.message);
      }
      return value;
    }
    const value = isScalar(node) ? node.value : (node as { toJSON(): unknown }).toJSON();
    throw new UnreadableNodeFileError(
      composeFile,
      lineOf(node as { range?: [number, number, number?] }),
      `${ENGINE_KEY}.${key} must be a string such as ${example}, got ${describeValue(value)}${typeof value === 'number' ? ' (quote it)' : ''}: the node's engine cannot be told.`,
    );
  };
  const engine = field('engine', 'podman', checkEngineKind) as EngineKind | undefined;
  const context = field('docker-context', '"edge-a"', checkDockerContext);
  const host = field('docker-host', '"ssh://user@edge-a"', parseEngineAddress);
  return { ...(engine ? { engine } : {}), ...(context ? { context } : {}), ...(host ? { host } : {}) };
}

/**
 * The files an existing node must have for nx-kubelet to read its managed facts (those a locator reads: never the
 * generated documents, which may be gone), given the files it has. Derived from the table of managed facts.
 */
export function requiredNodeFiles(files: NodeFiles): string[] {
  const compose = composeFileOf(files);
  return [...new Set(MANAGED_FACTS.filter((fact) => fact.locator !== wholeFile).map((fact) => (fact.file === COMPOSE ? compose : fact.file)))];
}

/**
 * Checks that a node's managed files can be read at all before anything is decided on them: each file a managed
 * fact lives in is there, its compose file and kubelet.yaml parse (the compose file as a mapping with the node's own
 * service), and its engine record has the right types. Throws {@link UnreadableNodeError} listing every problem.
 * Used by upgrade, sync and migrations (through modelOfNode), so that an unreadable node is never "up to date".
 */
export function checkNodeFiles(node: NodeIdentity & { files: NodeFiles }, service: string = node.name): void {
  const problems: string[] = [];
  const { files } = node;
  for (const file of requiredNodeFiles(files)) if (files[file] === undefined) problems.push(`${file} is missing`);
  const composeFile = composeFileOf(files);
  for (const file of [composeFile, KUBELET_YAML]) {
    const text = files[file];
    if (text === undefined) continue;
    const { document, error } = parseNodeYaml(text);
    if (error) {
      problems.push(`${file}:${error.line}: ${error.reason}`);
      continue;
    }
    const empty = document.contents === null || (isScalar(document.contents) && document.contents.value === null);
    if (file === KUBELET_YAML) {
      if (!empty && !isMap(document.contents)) problems.push(`${file}: is not a mapping of kubelet settings`);
      continue;
    }
    if (!isMap(document.contents)) {
      problems.push(`${file}: is not a compose file (a mapping with services:)`);
      continue;
    }
    if (!isMap(document.getIn(['services', service], true))) {
      problems.push(`${file}: has no service "${service}" (the node's own service), so nx-kubelet cannot find the node's settings in it`);
    }
    try {
      readEngineRecord(text, file);
    } catch (error) {
      if (!(error instanceof UnreadableNodeFileError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new UnreadableNodeError(node.name, node.directory, problems);
}
