import { parse } from 'yaml';
import { loadNodeTemplates } from './load-templates';
import {
  matrixFiles,
  MATRIX_DROPIN,
  MATRIX_RECORD,
  MATRIX_SETTINGS,
  MatrixFrontEnd,
  matrixCopiesBehind,
  matrixMembers,
  readMatrixRecord,
  renderMatrixFiles,
  renderMatrixMember,
  resolveMatrix,
  syncMatrixMember,
} from './matrix';
import { InvalidNodeOptionsError } from './node-model';
import { KUBELET_UNIT, DOCKERFILE } from './node-files';

const workspace = { hasProject: () => false, directoryHasFiles: () => false };
const frontEnd: MatrixFrontEnd = {
  command: (op, node) => `run ${op} ${node}`,
  versionsHowTo: () => 'Versions.',
  provenance: 'Made here.',
  ownership: 'Yours.',
  matrixSync: 'SYNC',
  matrixGenerate: (name) => `GEN ${name}`,
};
const templates = loadNodeTemplates();

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidNodeOptionsError) return error.problems;
    throw error;
  }
  return [];
}

describe('a matrix of nodes', () => {
  it('makes one member per combination, named after what varies', () => {
    expect(matrixMembers('edge', ['v1.29.15', 'v1.37.2'], ['v0.4.3'], ['v0.0.47']).map((m) => [m.name, m.directory])).toEqual([
      ['edge-1-29', '1-29'],
      ['edge-1-37', '1-37'],
    ]);
    const both = matrixMembers('edge', ['v1.29.15'], ['v0.3.17', 'v0.4.3'], ['v0.0.47']);
    expect(both.map((m) => m.name)).toEqual(['edge-1-29-cri-0-3-17', 'edge-1-29-cri-0-4-3']);
  });

  it('resolves minors to their matrix patch, merges two spellings of one version, and tags and places each member', () => {
    const model = resolveMatrix({ name: 'edge', kubeVersions: '1.29, v1.29, 1.37' }, workspace);
    expect(model.members.map((m) => m.kubeVersion)).toEqual([expect.stringMatching(/^v1\.29\.\d+$/), expect.stringMatching(/^v1\.37\.\d+$/)]);
    expect(model.directory).toBe('packages/edge');
    expect(model.models.map((m) => m.directory)).toEqual(['packages/edge/1-29', 'packages/edge/1-37']);
    expect(model.models[0].tags).toContain('matrix:edge');
    expect(model.models[0].matrix).toEqual({ name: 'edge', directory: 'packages/edge' });
    expect(model.models[0].examplePod).toBe(false);
  });

  it('names every bad version and every member problem before anything is made', () => {
    const problems = problemsOf(() => resolveMatrix({ name: 'edge', kubeVersions: '1.29,1.99,banana' }, workspace));
    expect(problems.join('\n')).toMatch(/--kubeVersions "banana" is not a Kubernetes version/);
    expect(problems.join('\n')).toMatch(/1\.99/);
    expect(problemsOf(() => resolveMatrix({ name: 'Edge!', kubeVersions: '1.29' }, workspace)).join('\n')).toMatch(/Invalid matrix name "Edge!"/);
    expect(problemsOf(() => resolveMatrix({ name: 'edge', kubeVersions: ',' }, workspace)).join('\n')).toMatch(/names no version/);
    expect(problemsOf(() => resolveMatrix({ name: 'edge' } as never, workspace)).join('\n')).toMatch(/--kubeVersions is required/);
    const taken = { ...workspace, hasProject: (name: string) => name === 'edge-1-37' };
    expect(problemsOf(() => resolveMatrix({ name: 'edge', kubeVersions: '1.29,1.37' }, taken)).join('\n')).toMatch(/Node "edge-1-37".*already exists/);
  });

  it('writes a record that reads back, and refuses records of the wrong type with the field named', () => {
    const model = resolveMatrix({ name: 'edge', kubeVersions: '1.29,1.37', node: { binarySource: 'local' } }, workspace);
    const files = renderMatrixFiles(model, templates, frontEnd);
    const record = readMatrixRecord(files[MATRIX_RECORD]);
    expect(record).toEqual({ name: 'edge', node: { binarySource: 'local' }, members: model.members });
    expect(files[MATRIX_RECORD]).toContain('GEN edge');
    expect(() => readMatrixRecord('name: edge\nmembers: {}\n')).toThrow(/members is not a list/);
    expect(() =>
      readMatrixRecord('name: edge\nmembers:\n  - name: a\n    directory: ../x\n    kubeVersion: v1\n    criDockerdVersion: v\n    kicbaseVersion: v\n'),
    ).toThrow(/members\[0\] \(line 3\)\.directory "\.\.\/x" is not a folder of the matrix's own/);
    expect(() => readMatrixRecord('name: edge\nmembers:\n  - name: a\n    directory: a\n    kubeVersion: 1.29\n')).toThrow(/kubeVersion is 1.29, not a string/);
    expect(() => readMatrixRecord('name: [\n')).toThrow(/does not parse/);
  });

  it("gives each member the shared manifests as marked copies and the settings as its kubelet's drop-in", () => {
    const model = resolveMatrix({ name: 'edge', kubeVersions: '1.29' }, workspace);
    const shared = renderMatrixFiles(model, templates, frontEnd);
    const member = renderMatrixMember(model.models[0], shared, templates, frontEnd);
    expect(member['manifests/hello-world.yaml']).toMatch(/^# Copied from \.\.\/manifests\/hello-world\.yaml \(matrix "edge"\): edit that file; SYNC/);
    expect(parse(member['manifests/hello-world.yaml'])).toEqual(parse(shared['manifests/hello-world.yaml']));
    expect(parse(member[MATRIX_DROPIN])).toEqual(parse(shared[MATRIX_SETTINGS]));
    expect(member[KUBELET_UNIT]).toMatch(/--config-dir=\/etc\/kubernetes\/kubelet\.conf\.d/);
    expect(member[KUBELET_UNIT]).toMatch(/^Environment=KUBELET_CONFIG_DROPIN_DIR_ALPHA=1$/m);
    expect(member[DOCKERFILE]).toMatch(/^COPY kubelet\.conf\.d\/ \/etc\/kubernetes\/kubelet\.conf\.d\/$/m);
    // A node outside a matrix has neither.
    const plain = renderMatrixMember({ ...model.models[0], matrix: undefined }, shared, templates, frontEnd);
    expect(plain[KUBELET_UNIT]).not.toMatch(/config-dir/);
    expect(plain[DOCKERFILE]).not.toMatch(/kubelet\.conf\.d/);
  });

  it("keeps copies in step: updates, removes copies of removed manifests, keeps the node's own, refuses to overwrite one", () => {
    const model = resolveMatrix({ name: 'edge', kubeVersions: '1.29' }, workspace);
    const shared = renderMatrixFiles(model, templates, frontEnd);
    const member = { ...renderMatrixMember(model.models[0], shared, templates, frontEnd), 'manifests/own.yaml': 'kind: Pod\n' };
    expect(syncMatrixMember('edge', shared, member, frontEnd).changes).toEqual([]);

    const changed: Record<string, string> = { ...shared, 'manifests/web.yaml': 'kind: Pod\n', [MATRIX_SETTINGS]: 'maxPods: 5\n' };
    delete changed['manifests/hello-world.yaml'];
    const synced = syncMatrixMember('edge', changed, member, frontEnd);
    expect(synced.problems).toEqual([]);
    expect(synced.changes).toEqual([
      "manifests/web.yaml: copied from the matrix's manifests/",
      "manifests/hello-world.yaml: removed (the matrix's manifests/ no longer has hello-world.yaml)",
      `${MATRIX_DROPIN}: updated from the matrix's kubelet.yaml`,
    ]);
    expect(synced.files['manifests/own.yaml']).toBe('kind: Pod\n');
    expect(synced.files['manifests/hello-world.yaml']).toBeUndefined();
    expect(parse(synced.files[MATRIX_DROPIN])).toEqual({ maxPods: 5 });

    const clash = syncMatrixMember('edge', { ...shared, 'manifests/own.yaml': 'kind: Pod\nmetadata: {}\n' }, member, frontEnd);
    expect(clash.problems.join('\n')).toMatch(/manifests\/own\.yaml is the node's own manifest/);
    expect(clash.files).toBe(member);
  });

  it('says which copies are behind the matrix, whatever front-end wrote them, and nothing when in step', () => {
    const model = resolveMatrix({ name: 'edge', kubeVersions: '1.29' }, workspace);
    const shared = renderMatrixFiles(model, templates, frontEnd);
    const member: Record<string, string> = { ...renderMatrixMember(model.models[0], shared, templates, frontEnd), 'manifests/own.yaml': 'kind: Pod\n' };
    expect(matrixCopiesBehind('edge', shared, member)).toEqual([]);
    // Copies another front-end wrote (another sync command in their first lines) are in step too.
    const other = syncMatrixMember('edge', shared, renderMatrixMember(model.models[0], shared, templates, { ...frontEnd, matrixSync: 'OTHER' }), {
      ...frontEnd,
      matrixSync: 'OTHER',
    }).files;
    expect(matrixCopiesBehind('edge', shared, other)).toEqual([]);
    // A copy a formatter laid out anew (Nx's formatFiles after a sync) holds the same data: in step.
    const reformatted = {
      ...member,
      'manifests/hello-world.yaml': member['manifests/hello-world.yaml'].replace(/name: ([\w-]+)/, 'name: "$1"').replace('\nspec:', '\n\nspec:'),
    };
    expect(reformatted['manifests/hello-world.yaml']).not.toBe(member['manifests/hello-world.yaml']);
    expect(matrixCopiesBehind('edge', shared, reformatted)).toEqual([]);
    // Read as the kubelet reads YAML (1.1): yes is a boolean, 017 is octal, so these are changes.
    const yaml11 = (value: string) => ({ ...member, [MATRIX_DROPIN]: member[MATRIX_DROPIN].replace(/\n$/, '') + `\nx: ${value}\n` });
    const withX = { ...shared, [MATRIX_SETTINGS]: shared[MATRIX_SETTINGS].replace(/\n?$/, '\nx: "yes"\n') };
    expect(matrixCopiesBehind('edge', withX, yaml11('yes'))).toEqual([`${MATRIX_DROPIN}: differs from the matrix's kubelet.yaml`]);
    expect(matrixCopiesBehind('edge', withX, yaml11('"yes"'))).toEqual([]);
    const with17 = { ...shared, [MATRIX_SETTINGS]: shared[MATRIX_SETTINGS].replace(/\n?$/, '\nx: 17\n') };
    expect(matrixCopiesBehind('edge', with17, yaml11('017'))).toEqual([`${MATRIX_DROPIN}: differs from the matrix's kubelet.yaml`]);

    const changed: Record<string, string> = { ...shared, 'manifests/web.yaml': 'kind: Pod\n', [MATRIX_SETTINGS]: 'maxPods: 5\n' };
    changed['manifests/hello-world.yaml'] += 'x-edited: true\n';
    expect(matrixCopiesBehind('edge', changed, member)).toEqual([
      "manifests/hello-world.yaml: differs from the matrix's",
      'manifests/web.yaml: not copied yet',
      `${MATRIX_DROPIN}: differs from the matrix's kubelet.yaml`,
    ]);
    delete changed['manifests/hello-world.yaml'];
    expect(matrixCopiesBehind('edge', changed, member)).toContain('manifests/hello-world.yaml: the matrix no longer has it');
    // After the sync, nothing is behind; the node's own manifest never counts.
    expect(matrixCopiesBehind('edge', changed, syncMatrixMember('edge', changed, member, frontEnd).files)).toEqual([]);
    const withoutDropin: Record<string, string> = { ...member };
    delete withoutDropin[MATRIX_DROPIN];
    expect(matrixCopiesBehind('edge', shared, withoutDropin)).toEqual([`${MATRIX_DROPIN}: not copied yet`]);
    // A copy whose first line was taken away is the node's own file, in the way of the matrix's.
    const unmarked = { ...member, 'manifests/hello-world.yaml': member['manifests/hello-world.yaml'].split('\n').slice(1).join('\n') };
    expect(matrixCopiesBehind('edge', shared, unmarked)).toEqual([
      'manifests/hello-world.yaml: the node\'s own file (no "# Copied from" first line) is in the way of the matrix\'s',
    ]);
  });

  it("never removes a node's own file that begins like a copy (a renamed copy, another matrix's), and refuses names it cannot copy", () => {
    const model = resolveMatrix({ name: 'edge', kubeVersions: '1.29' }, workspace);
    const shared = renderMatrixFiles(model, templates, frontEnd);
    const member = renderMatrixMember(model.models[0], shared, templates, frontEnd);
    const custom = {
      ...member,
      'manifests/hello-custom.yaml': member['manifests/hello-world.yaml'],
      'manifests/notes.yaml': '# Copied from ../manifests/base.yaml (matrix "upstream"): x\n',
    };
    const synced = syncMatrixMember('edge', shared, custom, frontEnd);
    expect(synced.files['manifests/hello-custom.yaml']).toBeDefined();
    expect(synced.files['manifests/notes.yaml']).toBeDefined();
    expect(syncMatrixMember('edge', { ...shared, 'manifests/my pod.yaml': 'kind: Pod\n' }, member, frontEnd).problems.join('\n')).toMatch(
      /manifests\/my pod\.yaml cannot be copied/,
    );
  });

  it('refuses two versions that would be one node, and records of reserved, repeated or mistyped entries', () => {
    expect(problemsOf(() => resolveMatrix({ name: 'p', kubeVersions: 'v1.33.1,v1.33.2' }, workspace)).join('\n')).toMatch(/would both be node "p-1-33"/);
    const entry = (name: string, directory: string) =>
      `  - name: ${name}\n    directory: ${directory}\n    kubeVersion: v1.29.15\n    criDockerdVersion: v0.4.3\n    kicbaseVersion: v0.0.47\n`;
    expect(() => readMatrixRecord(`name: edge\nmembers:\n${entry('a', 'manifests')}`)).toThrow(/directory "manifests" is not a folder of the matrix's own/);
    expect(() => readMatrixRecord(`name: edge\nmembers:\n${entry('a', 'x')}${entry('b', 'x')}`)).toThrow(/repeats another node's name or folder/);
    expect(() => readMatrixRecord(`name: edge\nnode: {tags: 5}\nmembers: []\n`)).toThrow(/node: --tags must be a string/);
    expect(() => readMatrixRecord(`name: edge\nnode: {hostname: evil}\nmembers: []\n`)).toThrow(
      /node has options a matrix does not pass to its nodes: hostname/,
    );
  });
});

describe('matrixFiles', () => {
  // A folder as a map of paths: files are strings, folders are lists of names.
  const folder: Record<string, string | string[]> = {
    'm/kubelet-matrix.yaml': 'record',
    'm/kubelet.yaml': 'settings',
    'm/manifests': ['web.yaml', 'sub'],
    'm/manifests/web.yaml': 'web',
    'm/manifests/sub': ['x.yaml'],
    'm/1-29/kubelet.conf.d/50-matrix.conf': 'dropin',
    'm/1-29/manifests': ['web.yaml'],
    'm/1-29/manifests/web.yaml': 'copy',
  };
  const reader = {
    read: (path: string) => (typeof folder[path] === 'string' ? (folder[path] as string) : undefined),
    list: (path: string) => (Array.isArray(folder[path]) ? (folder[path] as string[]) : []),
  };

  it("reads a matrix's record, settings and manifests, and a member's drop-in and manifests: files only", () => {
    expect(matrixFiles(reader, 'm/', 'shared')).toEqual({ 'kubelet-matrix.yaml': 'record', 'kubelet.yaml': 'settings', 'manifests/web.yaml': 'web' });
    expect(matrixFiles(reader, 'm/1-29', 'member')).toEqual({ 'kubelet.conf.d/50-matrix.conf': 'dropin', 'manifests/web.yaml': 'copy' });
    expect(matrixFiles(reader, 'm/1-30', 'member')).toEqual({});
    expect(Object.keys(matrixFiles({ read: (path) => (path === 'kubelet.yaml' ? 's' : undefined), list: () => [] }, '.', 'shared'))).toEqual(['kubelet.yaml']);
  });
});
