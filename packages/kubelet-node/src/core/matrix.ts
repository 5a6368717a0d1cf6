/**
 * A matrix of nodes: one node per combination of Kubernetes, cri-dockerd and kicbase versions, all running the same
 * workload (the matrix's `manifests/`) with the same kubelet settings (the matrix's `kubelet.yaml`, a
 * KubeletConfiguration fragment). Each member is an ordinary node in a subfolder of the matrix (upgrades, sync and
 * every operation work on it as on any node); what the matrix shares is copied into it and kept in step by
 * {@link syncMatrixMember}:
 * - each shared manifest as `manifests/<file>`, marked as a copy on its first line (a member's own manifests, without
 *   the mark, are left alone);
 * - the shared settings as the kubelet drop-in `kubelet.conf.d/50-matrix.conf`, which the member's kubelet applies
 *   over its own kubelet.yaml (`--config-dir`, on every minor the matrix supports; 1.29 with its alpha variable).
 * The matrix's record (`kubelet-matrix.yaml`) lists the members and the options they were made with.
 */
import { isMap, isSeq, parseAllDocuments, parseDocument } from 'yaml';
import type { FrontEnd } from './front-end';
import type { NodeTemplates } from './front-end';
import { InvalidNodeOptionsError, KubeletNodeOptions, NodeModel, optionTypeProblems, resolveNode, resolveVersionTag, WorkspaceFacts } from './node-model';
import { EXAMPLE_POD, KUBELET_DROPIN_DIR, MANIFESTS_DIR, MATRIX_RECORD, NodeFiles } from './node-files';

export { MATRIX_RECORD };
import { renderNode } from './render-node';
import { renderTemplate } from './render-template';
import { templateData } from './template-data';
import { DEFAULT_VERSIONS } from './version-matrix';

/** The kubelet settings every member runs with (a KubeletConfiguration fragment), in the matrix's folder. */
export const MATRIX_SETTINGS = 'kubelet.yaml';
/** A member's copy of the matrix's settings: a kubelet drop-in. */
export const MATRIX_DROPIN = `${KUBELET_DROPIN_DIR}/50-matrix.conf`;
/** The tag every member carries (`matrix:<name>`): `nx run-many -t up --projects=tag:matrix:<name>`. */
export const matrixTag = (name: string) => `matrix:${name}`;

/** How a front-end names its commands in the matrix's files (sync, add or drop a version). */
export interface MatrixFrontEnd extends FrontEnd {
  /** The command that copies the shared files into the members again (e.g. `nx sync`). */
  matrixSync: string;
  /** The command that changes a matrix's versions (e.g. `nx g nx-kubelet:matrix edge --kubeVersions=…`). */
  matrixGenerate: (name: string) => string;
}

export interface MatrixOptions {
  /** The matrix's name: its members are named `<name>-<minor>` (and cri-dockerd/kicbase suffixes when those vary). */
  name: string;
  /** Workspace-relative folder. @default `packages/<name>` */
  directory?: string;
  /** Kubernetes versions (`1.29`, `v1.33.2`…), a list or comma-separated. */
  kubeVersions: string | string[];
  /** cri-dockerd versions, a list or comma-separated. @default the matrix default */
  criDockerdVersions?: string | string[];
  /** kicbase versions, a list or comma-separated. @default the matrix default */
  kicbaseVersions?: string | string[];
  /** The members' options besides their versions (engine, binary source, kicbase image…). */
  node?: Omit<KubeletNodeOptions, 'name' | 'directory' | 'kubeVersion' | 'criDockerdVersion' | 'kicbaseVersion' | 'matrix' | 'examplePod' | 'hostname'>;
  /** Ship the example pod in the matrix's manifests/. @default true */
  examplePod?: boolean;
}

/** The node options a matrix passes to its nodes (the rest are the matrix's own or per node). */
export const MATRIX_NODE_OPTIONS = [
  'tags',
  'binarySource',
  'kicbaseImage',
  'engine',
  'dockerContext',
  'dockerHost',
  'cpus',
  'memory',
  'allowUnknownVersions',
  'kubeGoVersion',
  'criDockerdGoVersion',
] as const;

/** One member of a matrix: its name, folder (relative to the matrix's) and versions. */
export interface MatrixMember {
  name: string;
  directory: string;
  kubeVersion: string;
  criDockerdVersion: string;
  kicbaseVersion: string;
}

/** The record of a matrix (kubelet-matrix.yaml). */
export interface MatrixRecord {
  name: string;
  /** The members' options besides their versions, as given when the matrix was made. */
  node: NonNullable<MatrixOptions['node']>;
  members: MatrixMember[];
}

export interface MatrixModel extends MatrixRecord {
  /** Workspace-relative folder of the matrix. */
  directory: string;
  /** The members' node models, in the order of `members`. */
  models: NodeModel[];
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Names in a matrix's folder that are its own files, never a node's folder. */
const RESERVED_DIRECTORIES = new Set(['manifests', 'kubelet.conf.d', 'bin', 'dist', 'report', 'node_modules']);

/** `1.29,v1.33` or a list -> trimmed, unique, non-empty strings (numbers the nx CLI made become strings again). */
export function versionList(value: unknown, option: string, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' || typeof value === 'number' ? String(value).split(',') : undefined;
  if (!items || items.some((item) => typeof item !== 'string' && typeof item !== 'number')) {
    problems.push(`--${option} is a comma-separated list of versions (e.g. 1.29,1.33,1.37), not ${JSON.stringify(value)}.`);
    return undefined;
  }
  const list = [...new Set(items.map((item) => String(item).trim()).filter((item) => item !== ''))];
  if (list.length === 0) problems.push(`--${option} names no version: give at least one (e.g. 1.29,1.33,1.37).`);
  return list;
}

/** `v1.29.15` -> `1-29`, `v0.3.17` -> `0-3-17`: a DNS-label-safe suffix. */
const suffixOf = (version: string, keep: number) =>
  version
    .replace(/^v/, '')
    .split('.')
    .slice(0, keep)
    .join('-')
    .replace(/[^a-z0-9-]/g, '-');

/**
 * The members of a matrix: every combination of the resolved versions. A member is named after what varies: the
 * Kubernetes minor always, the cri-dockerd and kicbase versions when the matrix has more than one of them.
 */
export function matrixMembers(name: string, kube: string[], cri: string[], kicbase: string[]): MatrixMember[] {
  const members: MatrixMember[] = [];
  for (const kubeVersion of kube)
    for (const criDockerdVersion of cri)
      for (const kicbaseVersion of kicbase) {
        const parts = [suffixOf(kubeVersion, 2)];
        if (cri.length > 1) parts.push(`cri-${suffixOf(criDockerdVersion, 3)}`);
        if (kicbase.length > 1) parts.push(`kic-${suffixOf(kicbaseVersion, 3)}`);
        const directory = parts.join('-');
        members.push({ name: `${name}-${directory}`, directory, kubeVersion, criDockerdVersion, kicbaseVersion });
      }
  return members;
}

/**
 * Validates a matrix's options into its model: every member is resolved as a node (its versions against the version
 * matrix, its folder, its name) and every problem of every member is named, before anything is written.
 * `existing` names the members that are already there (kept as they are: upgrades move them, not this).
 */
export function resolveMatrix(options: MatrixOptions, workspace: WorkspaceFacts, existing: Map<string, MatrixMember> = new Map()): MatrixModel {
  const problems: string[] = [];
  const name = typeof options.name === 'string' ? options.name.trim() : '';
  if (!DNS_LABEL.test(name) || name.length > 40) {
    problems.push(
      `Invalid matrix name "${name}": use 1 to 40 lowercase letters, digits and dashes, starting with a letter and not ending with a dash (e.g. "edge"). Its nodes are named <name>-<version>.`,
    );
  }
  const directory = (options.directory ?? `packages/${name}`).replace(/\/+$/, '');
  const kube = versionList(options.kubeVersions, 'kubeVersions', problems);
  if (options.kubeVersions === undefined) problems.push('--kubeVersions is required: the Kubernetes versions of the matrix (e.g. 1.29,1.33,1.37).');
  const cri = versionList(options.criDockerdVersions, 'criDockerdVersions', problems) ?? [DEFAULT_VERSIONS.criDockerd];
  const kicbase = versionList(options.kicbaseVersions, 'kicbaseVersions', problems) ?? [DEFAULT_VERSIONS.kicbase];
  if (problems.length > 0 || !kube) throw new InvalidNodeOptionsError(problems);

  // Versions as the node generator resolves them (1.29 -> its matrix patch), so that two spellings of one version are one member.
  const resolve = (list: string[], kind: 'kubernetes' | 'cri-dockerd' | 'kicbase', option: string) => [
    ...new Set(list.map((version) => resolveVersionTag(kind, version, options.node?.allowUnknownVersions ?? false, problems, option) ?? version)),
  ];
  const members = matrixMembers(
    name,
    resolve(kube, 'kubernetes', '--kubeVersions'),
    resolve(cri, 'cri-dockerd', '--criDockerdVersions'),
    resolve(kicbase, 'kicbase', '--kicbaseVersions'),
  );
  const byName = new Map<string, MatrixMember[]>();
  for (const member of members) byName.set(member.name, [...(byName.get(member.name) ?? []), member]);
  for (const [memberName, same] of byName)
    if (same.length > 1)
      problems.push(
        `${same.map((m) => `Kubernetes ${m.kubeVersion}`).join(' and ')} would both be node "${memberName}": a matrix has one version per minor (and per cri-dockerd and kicbase version).`,
      );
  if (problems.length > 0) throw new InvalidNodeOptionsError(problems);

  const models: NodeModel[] = [];
  for (const member of members) {
    const kept = existing.get(member.name);
    try {
      models.push(
        resolveNode(
          {
            ...options.node,
            name: member.name,
            directory: `${directory}/${member.directory}`,
            kubeVersion: member.kubeVersion,
            criDockerdVersion: member.criDockerdVersion,
            kicbaseVersion: member.kicbaseVersion,
            examplePod: false,
            tags: [...tagList(options.node?.tags), matrixTag(name)],
            matrix: { name, directory },
          },
          kept ? { ...workspace, hasProject: () => false, directoryHasFiles: () => false } : workspace,
          kept !== undefined,
        ),
      );
    } catch (error) {
      if (!(error instanceof InvalidNodeOptionsError)) throw error;
      problems.push(
        ...error.problems.map(
          (problem) =>
            `Node "${member.name}" (Kubernetes ${member.kubeVersion}, cri-dockerd ${member.criDockerdVersion}, kicbase ${member.kicbaseVersion}): ${problem}`,
        ),
      );
    }
  }
  if (problems.length > 0) throw new InvalidNodeOptionsError([...new Set(problems)]);
  return { name, directory, node: options.node ?? {}, members, models };
}

function tagList(tags: string | string[] | undefined): string[] {
  if (tags === undefined) return [];
  return (Array.isArray(tags) ? tags : tags.split(',')).map((tag) => tag.trim()).filter((tag) => tag !== '');
}

/** The files of the matrix's own folder (relative to it): its record, shared settings and shared manifests. */
export function renderMatrixFiles(model: MatrixModel, templates: NodeTemplates, frontEnd: MatrixFrontEnd, examplePod = true): NodeFiles {
  const files: NodeFiles = {
    [MATRIX_RECORD]: matrixRecordText(model, frontEnd),
    [MATRIX_SETTINGS]: [
      `# Kubelet settings every node of matrix "${model.name}" runs with: a KubeletConfiguration fragment. ${frontEnd.provenance}`,
      `# Each node gets this file as a kubelet drop-in (${MATRIX_DROPIN} in its folder; ${frontEnd.matrixSync} copies it again`,
      '# after a change), which its kubelet applies over its own kubelet.yaml, field by field (mappings merge, lists',
      "# and values replace). Settings a version does not know show up in the report as the kubelet's warnings or errors.",
      '# For example:',
      '#   featureGates:',
      '#     SomeFeature: true',
      '#   maxPods: 50',
      'apiVersion: kubelet.config.k8s.io/v1beta1',
      'kind: KubeletConfiguration',
      '',
    ].join('\n'),
  };
  if (examplePod && model.models[0]) {
    // The node's own example pod template, so that both say the same.
    const template = templates[`${EXAMPLE_POD}.ejs`];
    if (template) files[EXAMPLE_POD] = renderTemplate(template, templateData(model.models[0], { templates, frontEnd }), `${EXAMPLE_POD}.ejs`);
  } else {
    files[`${MANIFESTS_DIR}/.gitkeep`] = '';
  }
  return files;
}

/** The files of each member (relative to the member's folder): the node's own, with the matrix's shared files copied in. */
export function renderMatrixMember(model: NodeModel, shared: NodeFiles, templates: NodeTemplates, frontEnd: MatrixFrontEnd): NodeFiles {
  const files = renderNode(model, templates, frontEnd);
  const synced = syncMatrixMember(model.matrix?.name ?? '', shared, files, frontEnd);
  if (synced.problems.length > 0) throw new InvalidNodeOptionsError(synced.problems);
  return synced.files;
}

function matrixRecordText(model: MatrixModel, frontEnd: MatrixFrontEnd): string {
  const document = parseDocument('{}');
  document.contents = document.createNode({
    name: model.name,
    node: model.node,
    members: model.members,
  }) as never;
  document.commentBefore = [
    ` Kubelet node matrix "${model.name}": one node per version combination, each in its folder here, all running the`,
    ` workload of manifests/ with the settings of ${MATRIX_SETTINGS}. ${frontEnd.provenance}`,
    ` Add or drop a version: ${frontEnd.matrixGenerate(model.name)} (the members are made from this record; edit the`,
    ' versions there, not here). Upgrade a member like any node.',
  ].join('\n');
  return document.toString({ lineWidth: 0 });
}

/** A matrix record that cannot be read: the file, line and reason. */
export class MatrixRecordError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'MatrixRecordError';
  }
}

/** Reads a matrix's record, checking every field's type; member folders stay inside the matrix's folder. */
export function readMatrixRecord(text: string, file: string = MATRIX_RECORD): MatrixRecord {
  const document = parseDocument(text, { uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? '' : ` (line ${text.slice(0, offset).split('\n').length})`);
  if (document.errors.length > 0)
    throw new MatrixRecordError(file, `does not parse${lineOf(document.errors[0].pos[0])}: ${document.errors[0].message.split('\n')[0]}`);
  if (!isMap(document.contents)) throw new MatrixRecordError(file, 'is not a mapping with name, node and members.');
  const value = document.toJS() as Record<string, unknown>;
  const name = value.name;
  if (typeof name !== 'string' || !DNS_LABEL.test(name)) throw new MatrixRecordError(file, `name is ${JSON.stringify(name)}, not a matrix name.`);
  const node = value.node ?? {};
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new MatrixRecordError(file, 'node is not a mapping of node options.');
  const unknown = Object.keys(node).filter((key) => !MATRIX_NODE_OPTIONS.includes(key as never));
  if (unknown.length > 0)
    throw new MatrixRecordError(
      file,
      `node has options a matrix does not pass to its nodes: ${unknown.join(', ')} (known: ${MATRIX_NODE_OPTIONS.join(', ')}).`,
    );
  const typeProblems = optionTypeProblems(node);
  if (typeProblems.length > 0) throw new MatrixRecordError(file, `node: ${typeProblems.join(' ')}`);
  const members = document.get('members', true);
  if (!isSeq(members)) throw new MatrixRecordError(file, 'members is not a list.');
  const read: MatrixMember[] = [];
  (value.members as unknown[]).forEach((member, index) => {
    const where = `members[${index}]${lineOf((members.items[index] as { range?: [number] } | undefined)?.range?.[0])}`;
    if (typeof member !== 'object' || member === null) throw new MatrixRecordError(file, `${where} is not a mapping.`);
    const fields = member as Record<string, unknown>;
    for (const key of ['name', 'directory', 'kubeVersion', 'criDockerdVersion', 'kicbaseVersion'] as const) {
      if (typeof fields[key] !== 'string' || fields[key] === '')
        throw new MatrixRecordError(file, `${where}.${key} is ${JSON.stringify(fields[key])}, not a string.`);
    }
    const directory = fields.directory as string;
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(directory) || RESERVED_DIRECTORIES.has(directory))
      throw new MatrixRecordError(
        file,
        `${where}.directory "${directory}" is not a folder of the matrix's own (one name of lowercase letters, digits and dashes, not ${[...RESERVED_DIRECTORIES].join(', ')}).`,
      );
    if (read.some((other) => other.directory === directory || other.name === fields.name))
      throw new MatrixRecordError(file, `${where} repeats another node's name or folder ("${fields.name}", "${directory}").`);
    if (!DNS_LABEL.test(fields.name as string)) throw new MatrixRecordError(file, `${where}.name "${fields.name}" is not a node name.`);
    read.push({
      name: fields.name as string,
      directory,
      kubeVersion: fields.kubeVersion as string,
      criDockerdVersion: fields.criDockerdVersion as string,
      kicbaseVersion: fields.kicbaseVersion as string,
    });
  });
  return { name, node: node as MatrixRecord['node'], members: read };
}

/** A shared manifest's first line in a member: the mark of a copy (the member's own manifests have none). */
const COPY_MARK = /^# Copied from \.\.\/manifests\/(\S+) \(matrix "([^"]*)"\)/;
const copyHeader = (matrix: string, file: string, frontEnd: MatrixFrontEnd) =>
  `# Copied from ../manifests/${file} (matrix "${matrix}"): edit that file; ${frontEnd.matrixSync} copies it to every node of the matrix.\n`;

/** A shared manifest's file name: a static pod file (not hidden) whose name the copy's first line can carry. */
const SHARED_MANIFEST_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*\.(ya?ml|json)$/;

/** Shared manifests whose names cannot be copied (spaces, newlines…): named as problems, never copied. */
export function unsharedManifestNames(shared: NodeFiles): string[] {
  return Object.keys(shared)
    .map((path) => /^manifests\/([^/]+)$/.exec(path)?.[1])
    .filter((name): name is string => name !== undefined && !name.startsWith('.') && !SHARED_MANIFEST_NAME.test(name));
}

/** The shared files a member copies: the manifests (top-level .yaml/.yml/.json of manifests/) and the settings. */
export function sharedManifests(shared: NodeFiles): [string, string][] {
  return Object.entries(shared)
    .filter(([path]) => {
      const match = /^manifests\/([^/]+)$/.exec(path);
      return match !== null && SHARED_MANIFEST_NAME.test(match[1]);
    })
    .map(([path, content]): [string, string] => [path.slice(`${MANIFESTS_DIR}/`.length), content])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface MatrixMemberSync {
  /** The member's files after the sync (copies written, copies of removed shared manifests gone). */
  files: NodeFiles;
  /** What changed, one line per file (relative to the member). */
  changes: string[];
  /** Files that are in the way: a member's own manifest with a shared manifest's name. Nothing is changed then. */
  problems: string[];
}

/**
 * Brings a member's copies in line with the matrix's shared files: each shared manifest as a marked copy, copies
 * whose shared manifest is gone removed, the settings as the drop-in. A member's own manifests (no mark) are kept; one
 * with a shared manifest's name is a problem (never overwritten).
 */
export function syncMatrixMember(matrix: string, shared: NodeFiles, member: NodeFiles, frontEnd: MatrixFrontEnd): MatrixMemberSync {
  const files: NodeFiles = { ...member };
  const changes: string[] = [];
  const problems: string[] = unsharedManifestNames(shared).map(
    (name) =>
      `the matrix's manifests/${JSON.stringify(name).slice(1, -1)} cannot be copied: use letters, digits, ".", "_" and "-" in a manifest's name (ending .yaml, .yml or .json).`,
  );
  const wanted = new Map(sharedManifests(shared).map(([file, content]) => [`${MANIFESTS_DIR}/${file}`, copyHeader(matrix, file, frontEnd) + content]));
  for (const [path, content] of wanted) {
    const current = member[path];
    if (current === content) continue;
    if (current !== undefined && !COPY_MARK.test(current)) {
      problems.push(
        `${path} is the node's own manifest (it has no "# Copied from" first line), and the matrix has a manifest of that name: rename one of them.`,
      );
      continue;
    }
    files[path] = content;
    changes.push(`${path}: ${current === undefined ? 'copied' : 'updated'} from the matrix's manifests/`);
  }
  for (const [path, content] of Object.entries(member)) {
    const match = COPY_MARK.exec(content);
    // Only this matrix's copy of that very file: a node's own file that begins like one (a copy renamed, another
    // matrix's) is the node's.
    if (!path.startsWith(`${MANIFESTS_DIR}/`) || !match || wanted.has(path)) continue;
    if (path !== `${MANIFESTS_DIR}/${match[1]}` || match[2] !== matrix) continue;
    delete files[path];
    changes.push(`${path}: removed (the matrix's manifests/ no longer has ${match[1]})`);
  }
  const settings = shared[MATRIX_SETTINGS];
  if (settings === undefined) {
    problems.push(`the matrix's ${MATRIX_SETTINGS} is missing: it holds the settings every node runs with (it may say no more than apiVersion and kind).`);
  } else {
    const dropin = [
      `# Copied from ../${MATRIX_SETTINGS} (matrix "${matrix}"): edit that file; ${frontEnd.matrixSync} copies it to every node of the matrix.`,
      `# The kubelet applies it over kubelet.yaml (--config-dir).`,
      settings,
    ].join('\n');
    if (member[MATRIX_DROPIN] !== dropin) {
      files[MATRIX_DROPIN] = dropin;
      changes.push(`${MATRIX_DROPIN}: ${member[MATRIX_DROPIN] === undefined ? 'copied' : 'updated'} from the matrix's ${MATRIX_SETTINGS}`);
    }
  }
  if (problems.length > 0) return { files: member, changes: [], problems };
  return { files, changes, problems };
}

/**
 * How a front-end reads a folder for {@link matrixFiles}: from disk (the operations) or from its own view of the
 * workspace (Nx's Tree). Paths are joined with `/`.
 */
export interface FolderReader {
  /** The file's text; undefined when it is not a file (missing, a folder). */
  read(path: string): string | undefined;
  /** The names in the folder; [] when it is not a folder. */
  list(path: string): string[];
}

/**
 * What of a matrix's folder its sync and its checks compare (one reader for every front-end): for `'shared'` the
 * matrix's record, settings and manifests, for `'member'` a node's settings drop-in and manifests; each by its path in
 * the folder (`manifests/<file>`), files only.
 */
export function matrixFiles(reader: FolderReader, folder: string, which: 'shared' | 'member'): NodeFiles {
  const files: NodeFiles = {};
  const at = (path: string) => (folder === '' || folder === '.' ? path : `${folder.replace(/\/+$/, '')}/${path}`);
  const own = which === 'shared' ? [MATRIX_RECORD, MATRIX_SETTINGS] : [MATRIX_DROPIN];
  const manifests = reader.list(at(MANIFESTS_DIR)).map((name) => `${MANIFESTS_DIR}/${name}`);
  for (const path of [...own, ...manifests]) {
    const text = reader.read(at(path));
    if (text !== undefined) files[path] = text;
  }
  return files;
}

/**
 * What of the matrix's shared manifests and settings a member's copies are behind on, whatever front-end wrote them
 * (the copies' first lines name it): one line per file, [] when the member is in step. The data counts, not the
 * layout or the comments. A node's own manifest with a shared manifest's name is in the way (the sync refuses it too).
 */
export function matrixCopiesBehind(matrix: string, shared: NodeFiles, member: NodeFiles): string[] {
  const body = (text: string, header: number) => text.split('\n').slice(header).join('\n');
  // The same text, or the same data (a formatter, e.g. Nx's formatFiles after a sync, may rewrite a copy's layout).
  const data = (text: string) => {
    // YAML 1.1, as the kubelet reads it (yes is true, 017 is 15).
    const documents = parseAllDocuments(text, { version: '1.1' });
    if (!Array.isArray(documents) || documents.some((d) => d.errors.length > 0)) return undefined;
    return JSON.stringify(documents.map((d) => d.toJSON()));
  };
  const same = (copy: string, original: string) => {
    if (copy === original) return true;
    const parsed = data(copy);
    return parsed !== undefined && parsed === data(original);
  };
  const behind: string[] = [];
  const wanted = new Set<string>();
  for (const [file, content] of sharedManifests(shared)) {
    const path = `${MANIFESTS_DIR}/${file}`;
    wanted.add(path);
    const copy = member[path];
    if (copy === undefined) behind.push(`${path}: not copied yet`);
    else if (!COPY_MARK.test(copy)) behind.push(`${path}: the node's own file (no "# Copied from" first line) is in the way of the matrix's`);
    else if (!same(body(copy, 1), content)) behind.push(`${path}: differs from the matrix's`);
  }
  for (const [path, content] of Object.entries(member)) {
    const match = COPY_MARK.exec(content);
    if (!path.startsWith(`${MANIFESTS_DIR}/`) || !match || wanted.has(path)) continue;
    if (path === `${MANIFESTS_DIR}/${match[1]}` && match[2] === matrix) behind.push(`${path}: the matrix no longer has it`);
  }
  const settings = shared[MATRIX_SETTINGS];
  if (settings !== undefined && (member[MATRIX_DROPIN] === undefined || !same(body(member[MATRIX_DROPIN], 2), settings)))
    behind.push(`${MATRIX_DROPIN}: ${member[MATRIX_DROPIN] === undefined ? 'not copied yet' : `differs from the matrix's ${MATRIX_SETTINGS}`}`);
  return behind;
}

/** The shared settings must parse as a mapping: checked before any member gets them. */
export function checkMatrixSettings(text: string, file: string): void {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new MatrixRecordError(file, `does not parse: ${document.errors[0].message.split('\n')[0]}`);
  if (document.contents !== null && !isMap(document.contents)) throw new MatrixRecordError(file, 'is not a mapping of kubelet settings.');
}
