/**
 * Property tests over hostile input (fast-check): random option values for `nx g kubelet-node` and `upgrade`, and
 * random edits to a generated node's files before `sync` and `upgrade`. Every outcome is a success, or an error of
 * the project's own kinds that names the option, node or file; never a raw TypeError or a YAML parser's exception,
 * nothing written outside the node's folder (and nx.json), and nothing half-written: on refusal the tree is as it was.
 */
import { getProjects, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import fc from 'fast-check';
import { kubeletNodeGenerator } from './generators/kubelet-node/generator';
import { syncGenerator } from './generators/sync/generator';
import { upgradeGenerator } from './generators/upgrade/generator';

const RUNS = Number(process.env.NX_KUBELET_PROPERTY_RUNS ?? 150);

/** JavaScript's own errors and parser errors: a user must never see one of these. */
const RAW_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'YAMLParseError', 'YAMLWarning']);

/** Every file of a tree, with its content (for "the tree is unchanged"). */
function snapshot(tree: Tree): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const path = dir === '' ? child : `${dir}/${child}`;
      if (path === 'node_modules' || path === '.git') continue;
      if (tree.isFile(path)) files.set(path, tree.read(path, 'utf-8') ?? '');
      else walk(path);
    }
  };
  walk('');
  return files;
}

/** What was logged since the last call: warnings must name what is wrong, never echo a JavaScript error. */
function logged(): string {
  const calls = ['warn', 'info', 'error', 'log'].flatMap((method) => {
    const mock = (console as unknown as Record<string, jest.Mock>)[method];
    const lines = mock.mock.calls.map((call) => call.map(String).join(' '));
    mock.mockClear();
    return lines;
  });
  return calls.join('\n');
}

const RAW_MESSAGE = /is not a function|Cannot read propert|is not iterable|undefined is not|Unexpected token|\[object Object\]/;

function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}

/** The error a front-end shows a user: one of ours (named), with a message that says what is wrong. */
function expectUserFacingError(error: unknown, mentionsOneOf: string[]): void {
  const { name, message } = error as Error;
  if (typeof message !== 'string') throw new Error(`expected an error, got ${String(error)}`);
  if (RAW_ERRORS.has(name) || !mentionsOneOf.some((word) => message.includes(word))) {
    throw new Error(`expected a named error mentioning one of ${JSON.stringify(mentionsOneOf)}, got ${name}: ${message}`);
  }
}

const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '-rf',
    '--help',
    '../outside',
    '/etc',
    'a/../../b',
    '$(id)',
    '`id`',
    'x; rm -rf /',
    'x\ny',
    'a'.repeat(300),
    'UPPER',
    '1.34.99999999999999999',
    '1.34.1e3',
    'v1.34.-1',
    '99.99',
    '0.0.0',
    'ssh://-oProxyCommand=x',
    'ssh://host;id',
    'tcp://[::1]:99999',
    'tcp://0.0.0.0:0',
    'unix://relative',
    '__proto__',
    'constructor',
    '\u0000',
    '${P:-10250}',
  ),
  fc.string({ maxLength: 40 }),
);
const hostileValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.option(fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileValue }), { nil: undefined });

const nodeOptions = fc.record(
  {
    name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('edge-node', 'n1', 'a') }, { weight: 1, arbitrary: hostileValue }),
    directory: maybe(fc.constantFrom('nodes/edge', 'packages/x', '.', 'nodes/a/b')),
    tags: maybe(fc.constantFrom('scope:edge', 'a,b')),
    kubeVersion: maybe(fc.constantFrom('1.29', 'v1.34', 'v1.37.2', '1.36', 'v1.30.0')),
    criDockerdVersion: maybe(fc.constantFrom('v0.3.17', '0.4', 'v0.4.3')),
    kicbaseVersion: maybe(fc.constantFrom('v0.0.48', 'v0.0.47')),
    kubeGoVersion: maybe(fc.constantFrom('1.24', '1.25.3', '1.26.8')),
    criDockerdGoVersion: maybe(fc.constantFrom('1.24', '1.26')),
    binarySource: maybe(fc.constantFrom('source', 'release', 'local')),
    kicbaseImage: maybe(fc.constantFrom('nx-kubelet/kicbase-stand-in:v0.0.48', 'localhost:5000/kicbase:x')),
    examplePod: maybe(fc.boolean()),
    hostname: maybe(fc.constantFrom('edge-1', 'node.example')),
    dockerContext: maybe(fc.constantFrom('edge-a', 'default')),
    dockerHost: maybe(fc.constantFrom('ssh://builder@edge', 'unix:///run/user/1000/docker.sock', 'tcp://[::1]:2376', 'ssh://edge:2222')),
    cpus: maybe(fc.constantFrom(1, 2, '1.5')),
    memory: maybe(fc.constantFrom('2g', '1024m')),
    allowUnknownVersions: maybe(fc.boolean()),
  },
  { requiredKeys: ['name'] },
);

/** Option names and the words their messages use (the node-model names options as the CLI writes them). */
const optionWords = (options: Record<string, unknown>) => [
  ...Object.keys(options).flatMap((key) => [key, `--${key}`]),
  'node name',
  'Kubernetes',
  'kubelet',
  'cri-dockerd',
  'kicbase',
  'Go',
  'directory',
  'engine',
];

describe('hostile input: nx g kubelet-node', () => {
  it('succeeds inside the node folder, or refuses with a named error and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(nodeOptions, async (options) => {
        const tree = createTreeWithEmptyWorkspace();
        const before = snapshot(tree);
        let thrown: unknown;
        logged();
        try {
          await kubeletNodeGenerator(tree, { ...options, skipFormat: true } as never);
        } catch (error) {
          thrown = error;
        }
        const changed = changedPaths(before, snapshot(tree));
        if (thrown !== undefined) {
          expectUserFacingError(thrown, optionWords(options));
          expect(changed).toEqual([]);
          return;
        }
        const root = getProjects(tree).get(String(options.name).trim())?.root ?? '(no project)';
        expect(root).not.toMatch(/(^|\/)\.\.(\/|$)/);
        for (const path of changed) {
          if (path === 'nx.json') continue;
          if (!(root === '.' || path.startsWith(`${root}/`))) throw new Error(`${path} was written outside the node's folder ${root}`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** The files of a node a user edits, and what an edit does to one. */
const NODE_FILES = ['project.json', 'kubelet.yaml', 'compose.yaml', 'Dockerfile.kicbase', 'units/kubelet.service', 'units/cri-docker.service', '.env'];
const DECLARED_KEYS = ['kubeVersion', 'criDockerdVersion', 'kicbaseVersion', 'kubeGoVersion', 'criDockerdGoVersion'];

type Edit =
  | { kind: 'delete'; file: string }
  | { kind: 'replace'; file: string; content: string }
  | { kind: 'append'; file: string; content: string }
  | { kind: 'declare'; key: string; value: unknown }
  | { kind: 'declaration'; value: unknown };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), file: fc.constantFrom(...NODE_FILES) }),
  fc.record({
    kind: fc.constant('replace' as const),
    file: fc.constantFrom(...NODE_FILES),
    content: fc.oneof(fc.constantFrom('', ': : :\n', '{', 'services: 7\n', '[1, 2]\n', 'null\n', 'a: [\n', '- x\n'), fc.string({ maxLength: 60 })),
  }),
  fc.record({
    kind: fc.constant('append' as const),
    file: fc.constantFrom(...NODE_FILES),
    content: fc.constantFrom('\n  bad: indent\n', '\nport: [\n', '\nx-nx-kubelet: 5\n', '\n\t\n', '\nExecStart=\n', '\n}\n'),
  }),
  fc.record({ kind: fc.constant('declare' as const), key: fc.constantFrom(...DECLARED_KEYS), value: hostileValue }),
  fc.record({ kind: fc.constant('declaration' as const), value: hostileValue }),
);

const NODE = 'edge-node';
const ROOT = 'nodes/edge-node';

function applyEdit(tree: Tree, change: Edit): void {
  if (change.kind === 'delete') tree.delete(`${ROOT}/${change.file}`);
  else if (change.kind === 'replace') tree.write(`${ROOT}/${change.file}`, change.content);
  else if (change.kind === 'append') tree.write(`${ROOT}/${change.file}`, `${tree.read(`${ROOT}/${change.file}`, 'utf-8') ?? ''}${change.content}`);
  else {
    let project;
    try {
      project = JSON.parse(tree.read(`${ROOT}/project.json`, 'utf-8') ?? '{}');
    } catch {
      return; // a project.json an earlier edit broke: this edit cannot be made
    }
    if (typeof project !== 'object' || project === null) return;
    project.metadata ??= {};
    if (change.kind === 'declaration') project.metadata['nx-kubelet'] = change.value;
    else project.metadata['nx-kubelet'] = { ...project.metadata['nx-kubelet'], [change.key]: change.value };
    tree.write(`${ROOT}/project.json`, JSON.stringify(project, null, 2));
  }
}

const editedWords = (edits: Edit[]) => [NODE, ...edits.map((change) => ('file' in change ? change.file.split('/').pop()! : 'project.json'))];

let base: Tree;
beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error'] as const) jest.spyOn(console, method).mockImplementation(() => undefined);
  base = createTreeWithEmptyWorkspace();
  await kubeletNodeGenerator(base, { name: NODE, directory: ROOT, skipFormat: true } as never);
});

/** A copy of the workspace with the node, with the edits applied (a fresh Tree holding the same files). */
function editedTree(edits: Edit[]): Tree {
  const tree = createTreeWithEmptyWorkspace();
  for (const [path, content] of snapshot(base)) tree.write(path, content);
  for (const change of edits) applyEdit(tree, change);
  return tree;
}

describe('hostile input: a node edited by hand, then sync and upgrade', () => {
  it('sync repairs, reports or refuses by name; it writes nothing outside the node', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        let tree: Tree;
        try {
          tree = editedTree(edits);
        } catch {
          return; // an edit the Tree itself cannot make (a project.json that is not JSON is still written)
        }
        const before = snapshot(tree);
        let thrown: unknown;
        try {
          await syncGenerator(tree);
        } catch (error) {
          thrown = error;
        }
        expect(logged()).not.toMatch(RAW_MESSAGE);
        const changed = changedPaths(before, snapshot(tree));
        if (thrown !== undefined) {
          expectUserFacingError(thrown, editedWords(edits));
          expect(changed).toEqual([]);
        }
        for (const path of changed) expect(path.startsWith(`${ROOT}/`)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('upgrade moves the node or refuses by name, with the tree unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        fc.record({
          all: fc.boolean(),
          kubeVersion: maybe(fc.constantFrom('v1.35', 'v1.36.4', '1.37')),
          criDockerdVersion: maybe(fc.constantFrom('v0.4.3', '0.4')),
          kicbaseVersion: maybe(fc.constantFrom('v0.0.48')),
        }),
        async (edits, request) => {
          const tree = editedTree(edits);
          const before = snapshot(tree);
          let thrown: unknown;
          try {
            await upgradeGenerator(tree, { ...request, ...(request.all ? {} : { project: NODE }), skipFormat: true } as never);
          } catch (error) {
            thrown = error;
          }
          expect(logged()).not.toMatch(RAW_MESSAGE);
          const changed = changedPaths(before, snapshot(tree));
          if (thrown !== undefined) {
            expectUserFacingError(thrown, [...editedWords(edits), ...optionWords(request)]);
            expect(changed).toEqual([]);
          }
          for (const path of changed) expect(path.startsWith(`${ROOT}/`)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('hostile input: cases the properties found', () => {
  it.each(['[1, 2]\n', 'null\n', '7\n'])(
    'a project.json that is JSON but not an object (%j) is named by sync and upgrade, with nothing written',
    async (content) => {
      const tree = editedTree([{ kind: 'replace', file: 'project.json', content }]);
      const before = snapshot(tree);
      await expect(syncGenerator(tree)).rejects.toThrow(`${ROOT}/project.json: must be a JSON object`);
      await expect(upgradeGenerator(tree, { project: NODE, kubeVersion: 'v1.35', skipFormat: true } as never)).rejects.toThrow(
        `${ROOT}/project.json: must be a JSON object`,
      );
      expect(changedPaths(before, snapshot(tree))).toEqual([]);
    },
  );
});
