import { isAbsolute, posix } from 'node:path';
import { addProjectConfiguration, formatFiles, joinPathFragments, logger, removeProjectConfiguration, Tree } from '@nx/devkit';
import {
  declaredVersionsOf,
  InvalidNodeOptionsError,
  loadNodeTemplates,
  MATRIX_RECORD,
  MatrixMember,
  MatrixOptions,
  MatrixRecordError,
  NodeFiles,
  readMatrixRecord,
  refuseUnknownOptions,
  renderMatrixFiles,
  renderMatrixMember,
  resolveMatrix,
  schemaOptions,
  checkMatrixSettings,
  MATRIX_SETTINGS,
  FolderReader,
  matrixFiles,
} from 'kubelet-node';
import { exposureWarning, imageBuildTargetName, nodeProjectConfiguration, NX_MATRIX_FRONT_END } from '../../lib/kubelet-nodes';
import { registerPlugin } from '../../lib/register-plugin';
import { filesIn, workspaceFacts } from '../kubelet-node/generator';

export interface MatrixGeneratorSchema {
  name: string;
  kubeVersions: string | number;
  criDockerdVersions?: string | number;
  kicbaseVersions?: string | number;
  directory?: string;
  tags?: string;
  binarySource?: 'source' | 'release' | 'local';
  kicbaseImage?: string;
  engine?: 'docker' | 'podman';
  dockerContext?: string;
  dockerHost?: string;
  cpus?: number | string;
  memory?: string;
  allowUnknownVersions?: boolean;
  examplePod?: boolean;
  force?: boolean;
  skipFormat?: boolean;
}

/** The tag of a matrix's own project (its report target). */
export const MATRIX_PROJECT_TAG = 'kubelet-matrix';

/**
 * `nx g nx-kubelet:matrix edge --kubeVersions=1.29,1.33,1.37`: creates a matrix (its record, shared manifests and
 * settings, its project with the report target) and one node per version combination; run again on an existing
 * matrix with other versions, it adds the nodes of new combinations and drops those of combinations no longer named
 * (refusing one whose files differ from what the matrix made, unless --force). Nodes that stay are not touched:
 * `nx g nx-kubelet:upgrade` moves them. Everything is checked before anything is written.
 */
export async function matrixGenerator(tree: Tree, schema: MatrixGeneratorSchema) {
  refuseUnknownOptions(schema, schemaOptions(__dirname), 'nx-kubelet:matrix');
  const { name: _name, kubeVersions, criDockerdVersions, kicbaseVersions, directory, examplePod, force, skipFormat: _skipFormat, ...node } = schema;
  const name = typeof schema.name === 'string' ? schema.name.trim() : schema.name;
  const workspace = await workspaceFacts(tree);
  // The folder is checked before anything in it is read: never a walk or a read outside the workspace.
  const folder = insideWorkspace(directory ?? `packages/${typeof name === 'string' ? name : ''}`, workspace);
  const recordPath = joinPathFragments(folder, MATRIX_RECORD);
  const existing = tree.exists(recordPath) ? readRecord(tree, recordPath, name) : undefined;
  if (!existing) {
    const problems: string[] = [];
    if (workspace.hasProject(name))
      problems.push(`A project named "${name}" already exists in this workspace: the matrix's own project takes its name. Choose another name.`);
    const files = tree.exists(folder) ? (tree.isFile(folder) ? [folder] : filesIn(tree, folder)) : [];
    if (files.length > 0)
      problems.push(
        `The directory "${folder}" already has files (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}) and no ${MATRIX_RECORD}: give a new --directory.`,
      );
    if (problems.length > 0) throw new InvalidNodeOptionsError(problems);
  }
  const options: MatrixOptions = {
    name,
    directory: folder,
    kubeVersions: String(kubeVersions ?? ''),
    ...(criDockerdVersions !== undefined ? { criDockerdVersions: String(criDockerdVersions) } : {}),
    ...(kicbaseVersions !== undefined ? { kicbaseVersions: String(kicbaseVersions) } : {}),
    // A matrix keeps the node options it was made with; options given now apply to the nodes added now.
    node: { ...existing?.node, ...node },
  };
  if (kubeVersions === undefined) options.kubeVersions = undefined as never;
  const kept = new Map((existing?.members ?? []).map((member) => [member.name, member]));
  const model = withNumberHints(schema, () => resolveMatrix(options, workspace, kept));
  // A node that stays keeps its record entry (its versions change with nx g nx-kubelet:upgrade, not here).
  model.members = model.members.map((member) => kept.get(member.name) ?? member);
  const templates = loadNodeTemplates();

  // The shared files: the existing matrix's (checked), or new ones.
  const shared: NodeFiles = existing ? sharedFiles(tree, folder) : renderMatrixFiles(model, templates, NX_MATRIX_FRONT_END, examplePod ?? true);
  if (existing) {
    const settings = shared[MATRIX_SETTINGS];
    if (settings !== undefined) checkOrRefuse(() => checkMatrixSettings(settings, joinPathFragments(folder, MATRIX_SETTINGS)));
  }
  const wanted = new Set(model.members.map((member) => member.name));
  const dropped = (existing?.members ?? []).filter((member) => !wanted.has(member.name));
  const edited = force ? [] : dropped.flatMap((member) => editsOf(tree, folder, existing!.node, member, shared, name));
  if (edited.length > 0) {
    throw new InvalidNodeOptionsError([
      'These nodes would be dropped (their versions are no longer named), but their files differ from what the matrix made (your edits, or an upgrade):',
      ...edited.map((line) => `  ${line}`),
      'Keep their versions in --kubeVersions, or pass --force to drop them anyway.',
    ]);
  }
  // New nodes, and nodes of the record whose folder is gone (made again).
  const added = model.models.filter((member) => !kept.has(member.name) || !tree.exists(joinPathFragments(member.directory, 'project.json')));
  const addedFiles = added.map((member) => ({ member, files: renderMatrixMember(member, shared, templates, NX_MATRIX_FRONT_END) }));

  // Nothing was written until here.
  for (const member of dropped) {
    const root = joinPathFragments(folder, member.directory);
    if (tree.exists(joinPathFragments(root, 'project.json'))) removeProjectConfiguration(tree, member.name);
    tree.delete(root);
  }
  if (!existing) {
    for (const [path, content] of Object.entries(shared)) tree.write(joinPathFragments(folder, path), content);
    addProjectConfiguration(tree, name, {
      root: folder,
      projectType: 'application',
      tags: [MATRIX_PROJECT_TAG],
      metadata: { description: `Kubelet node matrix (nx-kubelet): nx run ${name}:report reports every node tagged matrix:${name}.` } as never,
      targets: { report: { executor: 'nx-kubelet:report' } },
    });
  } else {
    tree.write(recordPath, renderMatrixFiles(model, templates, NX_MATRIX_FRONT_END)[MATRIX_RECORD]);
  }
  for (const { member, files } of addedFiles) {
    const warning = exposureWarning(tree, member.name, member.directory, files);
    if (warning) logger.warn(warning);
    for (const [path, content] of Object.entries(files)) tree.write(joinPathFragments(member.directory, path), content);
    addProjectConfiguration(tree, member.name, nodeProjectConfiguration(member, declaredVersionsOf(member), false, imageBuildTargetName(tree)));
  }
  registerPlugin(tree);
  if (!schema.skipFormat) await formatFiles(tree);
  return () => {
    const say = (what: string, members: { name: string }[]) => (members.length > 0 ? [`  ${what}: ${members.map((m) => m.name).join(', ')}`] : []);
    logger.info(
      [
        `nx-kubelet: matrix "${name}" in ${folder}: ${model.members.length} node${model.members.length === 1 ? '' : 's'}.`,
        ...say('added', added),
        ...say('dropped', dropped),
        ...say(
          'kept as they are (nx g nx-kubelet:upgrade moves them)',
          model.members.filter((member) => kept.has(member.name)),
        ),
        `Next: nx run-many -t up --projects=tag:matrix:${name}, then nx run ${name}:report.`,
        `Shared: ${folder}/manifests/ (the static pods) and ${folder}/${MATRIX_SETTINGS} (kubelet settings); nx sync copies them into every node.`,
      ].join('\n'),
    );
  };
}

export default matrixGenerator;

/**
 * The nx CLI parses a lone number-like argument before the schema sees it: `--kubeVersions=1.30` arrives as 1.3. When
 * such a list is refused, the message says how to write it so that it stays a string.
 */
function withNumberHints<T>(schema: MatrixGeneratorSchema, body: () => T): T {
  try {
    return body();
  } catch (error) {
    const numeric = (['kubeVersions', 'criDockerdVersions', 'kicbaseVersions'] as const).filter((key) => typeof schema[key] === 'number');
    if (!(error instanceof InvalidNodeOptionsError) || numeric.length === 0) throw error;
    throw new InvalidNodeOptionsError([
      ...error.problems,
      ...numeric.map(
        (key) =>
          `The nx CLI read --${key} as the number ${schema[key]}; if you meant a version ending in 0 (such as 1.30), write it with a prefix: --${key}=v1.30.`,
      ),
    ]);
  }
}

/** A workspace-relative folder, normalized; one outside the workspace (.., absolute, through a symbolic link) is refused. */
function insideWorkspace(directory: string, workspace: { resolvesOutside?(directory: string): string | undefined }): string {
  const normalized = typeof directory === 'string' ? posix.normalize(directory.replace(/\\/g, '/')).replace(/\/+$/, '') : '';
  if (!normalized || normalized === '.' || normalized === '..' || normalized.startsWith('../') || isAbsolute(normalized))
    throw new InvalidNodeOptionsError([
      `--directory "${directory}" is not a folder inside the workspace: give a workspace-relative folder such as packages/edge.`,
    ]);
  const outside = workspace.resolvesOutside?.(normalized);
  if (outside) throw new InvalidNodeOptionsError([`--directory "${directory}" resolves through a symbolic link to ${outside}, outside the workspace.`]);
  return normalized;
}

function readRecord(tree: Tree, path: string, name: string) {
  const record = checkOrRefuse(() => readMatrixRecord(tree.read(path, 'utf-8') ?? '', path));
  if (record.name !== name)
    throw new InvalidNodeOptionsError([`${path} is the record of matrix "${record.name}", not "${name}": give its name, or another --directory.`]);
  return record;
}

function checkOrRefuse<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MatrixRecordError) throw new InvalidNodeOptionsError([error.message]);
    throw error;
  }
}

/** The Tree as the core's {@link matrixFiles} reads it. */
export function treeReader(tree: Tree): FolderReader {
  return {
    read: (path) => (tree.isFile(path) ? (tree.read(path, 'utf-8') ?? undefined) : undefined),
    list: (path) => (tree.exists(path) && !tree.isFile(path) ? tree.children(path) : []),
  };
}

/** The matrix's shared files as the Tree has them: its record, settings and manifests. */
export function sharedFiles(tree: Tree, folder: string): NodeFiles {
  return matrixFiles(treeReader(tree), folder, 'shared');
}

/** How a dropped member's files differ from what the matrix would make of it now: one line per file. */
function editsOf(tree: Tree, folder: string, node: MatrixOptions['node'], member: MatrixMember, shared: NodeFiles, matrix: string): string[] {
  const root = joinPathFragments(folder, member.directory);
  if (!tree.exists(root)) return [];
  let expected: NodeFiles;
  try {
    const model = resolveMatrix(
      {
        name: matrix,
        directory: folder,
        kubeVersions: member.kubeVersion,
        criDockerdVersions: member.criDockerdVersion,
        kicbaseVersions: member.kicbaseVersion,
        node: { ...node, allowUnknownVersions: true },
      },
      { hasProject: () => false, directoryHasFiles: () => false },
      new Map([[member.name, member]]),
    ).models[0];
    expected = renderMatrixMember(model, shared, loadNodeTemplates(), NX_MATRIX_FRONT_END);
  } catch {
    return [`${root}: cannot tell what the matrix made of it`];
  }
  const actual = filesIn(tree, root);
  const lines: string[] = [];
  for (const path of actual) {
    if (path === 'project.json') continue; // the node's project, which Nx removes with it
    if (!(path in expected)) lines.push(`${root}/${path}: not made by the matrix`);
    else if (!sameText(tree.read(joinPathFragments(root, path), 'utf-8') ?? '', expected[path])) lines.push(`${root}/${path}: changed`);
  }
  return lines;
}

/** Equal but for formatting the generator's formatFiles may have applied (trailing whitespace, final newlines). */
function sameText(a: string, b: string): boolean {
  const norm = (text: string) => text.replace(/[ \t]+$/gm, '').replace(/\n+$/, '');
  return norm(a) === norm(b);
}
