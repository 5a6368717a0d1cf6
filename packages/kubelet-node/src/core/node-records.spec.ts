import { loadNodeTemplates } from './load-templates';
import { declaredVersionsOf, resolveNode } from './node-model';
import { checkNodeFiles, readDeclaredVersions, readEngineRecord, UnreadableNodeError } from './node-records';
import { renderNode } from './render-node';

const node = { name: 'n', directory: 'nodes/n' };
const where = 'state.json versions';
const frontEnd = { command: (op: string, name: string) => `run ${op} ${name}`, versionsHowTo: () => '', provenance: '', ownership: '' };
const model = resolveNode({ name: 'n', directory: 'nodes/n' }, { hasProject: () => false, directoryHasFiles: () => false });
const declared = declaredVersionsOf(model);

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof UnreadableNodeError) return error.problems;
    throw error;
  }
  return [];
}

describe('readDeclaredVersions', () => {
  it('returns a declaration of the right types as it is, and undefined when there is none', () => {
    expect(readDeclaredVersions(node, declared, where)).toEqual(declared);
    expect(readDeclaredVersions(node, { ...declared, kicbaseImage: 'x/y:1', allowUnknownVersions: true }, where)).toMatchObject({
      kicbaseImage: 'x/y:1',
      allowUnknownVersions: true,
    });
    expect(readDeclaredVersions(node, undefined, where)).toBeUndefined();
  });

  it('names every wrongly typed field, with the node, the place and what it got', () => {
    expect(
      problems(() =>
        readDeclaredVersions(
          node,
          { ...declared, kubeVersion: null, kubeGoVersion: 1.24, criDockerdVersion: undefined, kicbaseVersion: ['v0.0.47'], allowUnknownVersions: 'yes' },
          where,
        ),
      ),
    ).toEqual([
      'Node "n": nodes/n/state.json versions.kubeVersion must be a string like "1.34", got null',
      'Node "n": nodes/n/state.json versions.kubeGoVersion must be a string like "1.24", got the number 1.24',
      'Node "n": nodes/n/state.json versions.criDockerdVersion must be a string like "v0.3.21", got nothing (it is missing)',
      'Node "n": nodes/n/state.json versions.kicbaseVersion must be a string like "v0.0.47", got a list',
      'Node "n": nodes/n/state.json versions.allowUnknownVersions must be true or false, got the string "yes"',
    ]);
    expect(problems(() => readDeclaredVersions(node, null, where))).toEqual([
      'Node "n": nodes/n/state.json versions must be an object of versions (kubeVersion, kubeGoVersion, criDockerdVersion, criDockerdGoVersion, kicbaseVersion), got null',
    ]);
  });
});

describe('readEngineRecord', () => {
  it('reads a context or a host, and nothing when there is no record', () => {
    expect(readEngineRecord('x-kubelet-node:\n  docker-context: edge-a\nservices: {}\n')).toEqual({ context: 'edge-a' });
    expect(readEngineRecord('x-kubelet-node:\n  docker-host: ssh://me@edge\n')).toEqual({ host: 'ssh://me@edge' });
    expect(readEngineRecord('services: {}\n')).toEqual({});
    expect(readEngineRecord('x-kubelet-node:\nservices: {}\n')).toEqual({});
  });

  it('refuses a record of the wrong type with file and line', () => {
    expect(() => readEngineRecord('services: {}\nx-kubelet-node: 5\n', 'docker-compose.yml')).toThrow(
      'docker-compose.yml:2: x-kubelet-node must be a mapping with engine, docker-context or docker-host, got the number 5',
    );
    expect(() => readEngineRecord('x-kubelet-node:\n  docker-context: {name: a}\n')).toThrow(
      'compose.yaml:2: x-kubelet-node.docker-context must be a string such as "edge-a", got an object',
    );
  });

  it('refuses a recorded address or context that is not one, with file and line (the same parser as --dockerHost)', () => {
    expect(() => readEngineRecord('services: {}\nx-kubelet-node:\n  docker-host: ssh://-oProxyCommand=x\n')).toThrow(
      /^compose\.yaml:3: Invalid x-kubelet-node\.docker-host "ssh:\/\/-oProxyCommand=x": /,
    );
    expect(() => readEngineRecord('x-kubelet-node:\n  docker-context: "-H"\n')).toThrow(/^compose\.yaml:2: Invalid x-kubelet-node\.docker-context "-H"/);
    expect(readEngineRecord('x-kubelet-node:\n  docker-host: tcp://[::1]:2375\n')).toEqual({ host: 'tcp://[::1]:2375' });
  });
});

describe('checkNodeFiles', () => {
  const files = renderNode(model, loadNodeTemplates(), frontEnd);

  it('accepts a generated node', () => {
    expect(problems(() => checkNodeFiles({ ...node, files }))).toEqual([]);
  });

  it('names every file that is missing or cannot be read', () => {
    const { 'units/cri-docker.service': _gone, ...rest } = files;
    expect(
      problems(() =>
        checkNodeFiles({ ...node, files: { ...rest, 'kubelet.yaml': '- a list\n', 'compose.yaml': files['compose.yaml'].replace(/^ {2}n:$/m, '  other:') } }),
      ),
    ).toEqual([
      'Node "n": nodes/n/units/cri-docker.service is missing',
      'Node "n": nodes/n/compose.yaml: has no service "n" (the node\'s own service), so nx-kubelet cannot find the node\'s settings in it',
      'Node "n": nodes/n/kubelet.yaml: is not a mapping of kubelet settings',
    ]);
  });
});
