/**
 * A node's engine (docker context or address) and its CPU and memory limits: validated, rendered into compose.yaml and
 * the node's README, read back by upgrades (which keep them), and used by the operations (engineOf).
 */
import { parse } from 'yaml';
import { engineOf, scopedProjectName } from '../operations/node-context';
import { loadNodeTemplates } from './load-templates';
import { FrontEnd } from './front-end';
import { InvalidNodeOptionsError, KubeletNodeOptions, resolveNode } from './node-model';
import { renderNode } from './render-node';
import { modelOfNode, upgradeNodeFiles } from './upgrade-node';
import { declaredVersionsOf } from './node-model';

const workspace = { hasProject: () => false, directoryHasFiles: () => false };
const frontEnd: FrontEnd = { command: (op, node) => `run ${op} ${node}`, versionsHowTo: () => 'Versions.', provenance: 'Made here.', ownership: 'Yours.' };
const render = (options: KubeletNodeOptions) => renderNode(resolveNode(options, workspace), loadNodeTemplates(), frontEnd);

function problemsOf(options: KubeletNodeOptions): string[] {
  try {
    resolveNode(options, workspace);
  } catch (error) {
    if (error instanceof InvalidNodeOptionsError) return error.problems;
    throw error;
  }
  return [];
}

describe('a node on a given engine', () => {
  it('records a docker context in compose.yaml and names it in the README', () => {
    const files = render({ name: 'edge-a', dockerContext: 'site-a' });
    expect(parse(files['compose.yaml'])['x-kubelet-node']).toEqual({ 'docker-context': 'site-a' });
    expect(files['README.md']).toContain('on the Docker engine of the docker context `site-a`');
  });

  it('records an address the same way', () => {
    const files = render({ name: 'edge-b', dockerHost: 'ssh://ops@edge-b.lab' });
    expect(parse(files['compose.yaml'])['x-kubelet-node']).toEqual({ 'docker-host': 'ssh://ops@edge-b.lab' });
    expect(files['README.md']).toContain('at `ssh://ops@edge-b.lab`');
  });

  it('writes nothing of the kind for a node on the current engine', () => {
    const files = render({ name: 'here' });
    expect(parse(files['compose.yaml'])['x-kubelet-node']).toBeUndefined();
    expect(files['compose.yaml']).not.toContain('x-kubelet-node');
    expect(files['README.md']).not.toContain('Where it runs');
  });

  it.each([
    [{ dockerContext: 'a', dockerHost: 'ssh://b' }, /not both/],
    [{ dockerContext: '-bad name' }, /Invalid --dockerContext "-bad name"/],
    [{ dockerHost: 'edge-b:2375' }, /Invalid --dockerHost "edge-b:2375": use a Docker daemon address/],
    [{ dockerHost: 'tcp://edge-b' }, /Invalid --dockerHost "tcp:\/\/edge-b"/],
  ])('refuses %j', (options, message) => {
    expect(problemsOf({ name: 'n1', ...options }).join('\n')).toMatch(message);
  });

  it.each([
    [{ dockerHost: 'tcp://edge-b:99999' }, /Invalid --dockerHost "tcp:\/\/edge-b:99999": the port "99999" is not a port number \(1 to 65535\)/],
    [{ dockerHost: 'tcp://edge-b:0' }, /the port "0" is not a port number/],
    [{ dockerHost: 'ssh://-oProxyCommand=touch%20x' }, /Invalid --dockerHost/],
    [{ dockerHost: 'ssh://-edge-b' }, /Invalid --dockerHost "ssh:\/\/-edge-b": a host cannot start with "-"/],
    [{ dockerHost: 'ssh://ops@edge-b;touch /tmp/x' }, /Invalid --dockerHost .*the character ";" has no place/],
    [{ dockerHost: 'ssh://ops@$(id)' }, /Invalid --dockerHost .*the character "\$"/],
    [{ dockerHost: 'ssh://ops@edge b' }, /Invalid --dockerHost .*whitespace/],
    [{ dockerHost: 'ssh://-l@edge-b' }, /the user "-l" is not a login name/],
    [{ dockerHost: 'ssh://edge-b/some/path' }, /no path/],
    [{ dockerHost: 'tcp://::1:2375' }, /IPv6 address goes in brackets/],
    [{ dockerHost: 'unix://relative.sock' }, /absolute path/],
  ])('refuses the engine address %j, saying what is wrong', (options, message) => {
    expect(problemsOf({ name: 'n1', ...options }).join('\n')).toMatch(message);
  });

  it.each(['tcp://[::1]:2375', 'tcp://[0:0:0:0:0:0:0:1]:2375', 'tcp://localhost:2375', 'tcp://127.0.0.1:2375', 'unix:///var/run/docker.sock'])(
    'accepts the loopback address %s without a warning',
    (dockerHost) => {
      expect(resolveNode({ name: 'n1', dockerHost }, workspace).warnings).toEqual([]);
    },
  );

  it.each(['ssh://ops@edge-b.lab:2222', 'ssh://edge-b', 'ssh://ops@[fd00::5]', 'ssh://ops@10.0.0.5', 'tcp://[fd00::5]:2376', 'tcp://edge-b:2376/'])(
    'accepts %s',
    (dockerHost) => {
      expect(problemsOf({ name: 'n1', dockerHost })).toEqual([]);
    },
  );

  it('warns that plain TCP to another host gives its engine away, not for loopback', () => {
    expect(resolveNode({ name: 'n1', dockerHost: 'tcp://10.1.2.3:2375' }, workspace).warnings.join('\n')).toMatch(/plain TCP.*root/);
    expect(resolveNode({ name: 'n1', dockerHost: 'tcp://127.0.0.1:2375' }, workspace).warnings).toEqual([]);
  });

  it('operations use the recorded engine unless the command line names one', () => {
    const compose = render({ name: 'edge-a', dockerContext: 'site-a' })['compose.yaml'];
    expect(engineOf({}, compose)).toEqual({ context: 'site-a', host: undefined });
    expect(engineOf({ dockerHost: 'ssh://other' }, compose)).toEqual({ context: undefined, host: 'ssh://other' });
    expect(engineOf({ context: 'site-b' }, compose)).toEqual({ context: 'site-b', host: undefined });
    expect(engineOf({}, render({ name: 'here' })['compose.yaml'])).toEqual({ context: undefined, host: undefined });
  });

  it.each([
    ['x-kubelet-node: site-a\n', 'compose.yaml:1: x-kubelet-node must be a mapping with engine, docker-context or docker-host, got the string "site-a"'],
    ['x-kubelet-node:\n  docker-context: [site-a]\n', 'compose.yaml:2: x-kubelet-node.docker-context must be a string such as "edge-a", got a list'],
    [
      'x-kubelet-node:\n  docker-host: 2375\n',
      'compose.yaml:2: x-kubelet-node.docker-host must be a string such as "ssh://user@edge-a", got the number 2375 (quote it)',
    ],
  ])('operations refuse an engine record of the wrong type (%j), never falling back to the default engine', (record, message) => {
    const compose = `${record}${render({ name: 'edge-a' })['compose.yaml']}`;
    expect(() => engineOf({}, compose)).toThrow(message);
    // The command line still decides when it names an engine.
    expect(engineOf({ context: 'site-b' }, compose)).toEqual({ context: 'site-b', host: undefined });
  });

  it('records Podman as the engine, with or without an address, and keeps Docker nodes as they were', () => {
    const files = render({ name: 'pod-a', engine: 'podman' });
    expect(parse(files['compose.yaml'])['x-kubelet-node']).toEqual({ engine: 'podman' });
    expect(files['README.md']).toContain('**Where it runs:** on Podman (rootful)');
    const remote = render({ name: 'pod-b', engine: 'podman', dockerHost: 'unix:///run/podman/podman.sock' });
    expect(parse(remote['compose.yaml'])['x-kubelet-node']).toEqual({ engine: 'podman', 'docker-host': 'unix:///run/podman/podman.sock' });
    expect(remote['README.md']).toContain('on Podman at `unix:///run/podman/podman.sock`');
    expect(render({ name: 'here', engine: 'docker' })).toEqual(render({ name: 'here' }));
  });

  it.each([
    [{ engine: 'Podman' }, /Invalid --engine "Podman": give one of docker, podman/],
    [{ engine: 'containerd' }, /Invalid --engine "containerd"/],
    [{ engine: 'podman', dockerContext: 'site-a' }, /--dockerContext is Docker's/],
  ])('refuses the engine %j', (options, message) => {
    expect(problemsOf({ name: 'n1', ...options }).join('\n')).toMatch(message);
  });

  it('operations take the engine from --engine, else the record, else Docker', () => {
    const compose = render({ name: 'pod-a', engine: 'podman' })['compose.yaml'];
    expect(engineOf({}, compose)).toEqual({ engine: 'podman', context: undefined, host: undefined });
    expect(engineOf({ engine: 'docker' }, compose)).toEqual({ context: undefined, host: undefined });
    expect(engineOf({ dockerHost: 'unix:///run/podman/podman.sock' }, compose)).toEqual({
      engine: 'podman',
      context: undefined,
      host: 'unix:///run/podman/podman.sock',
    });
    // A docker context is Docker's: it never reaches Podman.
    expect(engineOf({ context: 'site-b' }, compose)).toEqual({ context: 'site-b', host: undefined });
    expect(() => engineOf({ engine: 'podman', context: 'site-b' }, compose)).toThrow(/--context is Docker's/);
    expect(() => engineOf({ engine: 'cri-o' }, compose)).toThrow('Invalid --engine "cri-o": give one of docker, podman.');
    expect(engineOf({ engine: 'podman' }, render({ name: 'here' })['compose.yaml'])).toEqual({ engine: 'podman', context: undefined, host: undefined });
  });

  it('an engine other than the recorded one runs at its own default, never at the address recorded for the other', () => {
    const docker = render({ name: 'edge-a', dockerHost: 'ssh://ops@edge-a' })['compose.yaml'];
    expect(engineOf({ engine: 'podman' }, docker)).toEqual({ engine: 'podman', context: undefined, host: undefined });
    const onContext = render({ name: 'edge-b', dockerContext: 'site-a' })['compose.yaml'];
    expect(engineOf({ engine: 'podman' }, onContext)).toEqual({ engine: 'podman', context: undefined, host: undefined });
    const podman = render({ name: 'pod-a', engine: 'podman', dockerHost: 'unix:///run/podman/podman.sock' })['compose.yaml'];
    expect(engineOf({ engine: 'docker' }, podman)).toEqual({ context: undefined, host: undefined });
    expect(engineOf({}, podman)).toEqual({ engine: 'podman', context: undefined, host: 'unix:///run/podman/podman.sock' });
  });

  it.each(['ssh://root@pod-host', 'tcp://10.0.0.5:2376', 'tcp://127.0.0.1:8888'])(
    'refuses a remote Podman address %s, in generation and operations',
    (dockerHost) => {
      expect(problemsOf({ name: 'n1', engine: 'podman', dockerHost }).join('\n')).toMatch(/for Podman: a node on Podman is reached at a unix socket/);
      const compose = render({ name: 'pod-a', engine: 'podman' })['compose.yaml'];
      expect(() => engineOf({ dockerHost }, compose)).toThrow(/for Podman/);
      expect(() => engineOf({ engine: 'podman', dockerHost }, render({ name: 'here' })['compose.yaml'])).toThrow(/for Podman/);
      const recorded = compose.replace('  engine: podman\n', `  engine: podman\n  docker-host: ${dockerHost}\n`);
      expect(() => engineOf({}, recorded)).toThrow(/x-kubelet-node.docker-host .*for Podman/);
    },
  );

  it('upgrades keep a node on Podman', () => {
    const from = resolveNode({ name: 'keep', engine: 'podman' }, workspace);
    const files = renderNode(from, loadNodeTemplates(), frontEnd);
    expect(modelOfNode({ name: 'keep', directory: from.directory, files }, declaredVersionsOf(from)).engine).toEqual({ kind: 'podman' });
  });

  it.each([
    ['x-kubelet-node:\n  engine: cri-o\n', 'compose.yaml:2: Invalid x-kubelet-node.engine "cri-o": give one of docker, podman.'],
    ['x-kubelet-node:\n  engine: [podman]\n', 'compose.yaml:2: x-kubelet-node.engine must be a string such as podman, got a list'],
  ])('operations refuse an engine kind they do not know (%j)', (record, message) => {
    expect(() => engineOf({}, `${record}${render({ name: 'edge-a' })['compose.yaml']}`)).toThrow(message);
  });

  it('upgrade and sync refuse an engine record of the wrong type, naming node, file and line', () => {
    const model = resolveNode({ name: 'edge-a' }, workspace);
    const files = renderNode(model, loadNodeTemplates(), frontEnd);
    files['compose.yaml'] = `x-kubelet-node:\n  docker-context: 7\n${files['compose.yaml']}`;
    expect(() => modelOfNode({ name: 'edge-a', directory: 'nodes/edge-a', files }, declaredVersionsOf(model))).toThrow(
      'Node "edge-a": nodes/edge-a/compose.yaml:2: x-kubelet-node.docker-context must be a string such as "edge-a", got the number 7 (quote it)',
    );
  });
});

describe('CPU and memory limits', () => {
  it('sets compose cpus and mem_limit on the node service, and says so in the README', () => {
    const files = render({ name: 'small', cpus: '1.5', memory: '2G' });
    expect(parse(files['compose.yaml']).services.small).toMatchObject({ cpus: 1.5, mem_limit: '2g' });
    expect(files['README.md']).toContain('**Limits:** 1.5 CPUs, 2g of memory');
  });

  it.each([
    [{ cpus: 0 }, /Invalid --cpus "0"/],
    [{ cpus: 'two' }, /Invalid --cpus "two"/],
    [{ memory: '2048' }, /Invalid --memory "2048": give an amount with its unit/],
    [{ memory: '256m' }, /--memory 256m is too little: .* at least 512m/],
  ])('refuses %j', (options, message) => {
    expect(problemsOf({ name: 'n1', ...options }).join('\n')).toMatch(message);
  });
});

describe('upgrades keep where a node runs and its limits', () => {
  it('reads them back from the files and leaves those lines alone', () => {
    const from = resolveNode({ name: 'keep', kubeVersion: '1.33', dockerContext: 'site-a', cpus: 2, memory: '3g' }, workspace);
    const files = renderNode(from, loadNodeTemplates(), frontEnd);
    const read = modelOfNode({ name: 'keep', directory: from.directory, files }, declaredVersionsOf(from));
    expect(read.engine).toEqual({ kind: 'docker', context: 'site-a' });
    expect(read.resources).toEqual({ cpus: '2', memory: '3g' });
    const to = modelOfNode(
      { name: 'keep', directory: from.directory, files },
      { ...declaredVersionsOf(from), kubeVersion: 'v1.36.4', kubeGoVersion: '1.26' },
      false,
    );
    const upgraded = upgradeNodeFiles(files, from, to, { templates: loadNodeTemplates(), frontEnd });
    expect(upgraded.files['compose.yaml']).toContain('docker-context: site-a');
    expect(upgraded.files['compose.yaml']).toContain('cpus: 2 #');
    expect(upgraded.files['README.md']).toContain('docker context `site-a`');
    expect(upgraded.changes.join('\n')).not.toMatch(/site-a|cpus|mem_limit/);
  });
});

describe('compose project names', () => {
  it('are scoped to the folder: stable for one, distinct for two', () => {
    expect(scopedProjectName('edge-a', '/work/a/packages/edge-a')).toMatch(/^edge-a-[0-9a-f]{8}$/);
    expect(scopedProjectName('edge-a', '/work/a/packages/edge-a')).toBe(scopedProjectName('edge-a', '/work/a/packages/edge-a/'));
    expect(scopedProjectName('edge-a', '/work/a/packages/edge-a')).not.toBe(scopedProjectName('edge-a', '/work/b/packages/edge-a'));
  });
});
