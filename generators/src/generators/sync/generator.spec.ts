import { logger, Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { kubeletNodeGenerator } from '../kubelet-node/generator';
import { syncGenerator } from './generator';

describe('sync generator', () => {
  let tree: Tree;
  const dockerfile = 'packages/n/Dockerfile.kicbase';
  const compose = 'packages/n/compose.yaml';
  const edit = (path: string, from: string | RegExp, to: string) => {
    const before = tree.read(path, 'utf-8')!;
    const after = before.replace(from, to);
    if (after === before) throw new Error(`edit of ${path} changed nothing`);
    tree.write(path, after);
  };

  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await kubeletNodeGenerator(tree, { name: 'n' });
  });

  it('reports nothing for a node whose files match its declared versions', async () => {
    expect(await syncGenerator(tree)).toEqual({});
  });

  it('reports and repairs an ARG default and a compose build arg edited by hand, and nothing else', async () => {
    const userLine = '# my own comment, tested on v1.34.5\n';
    edit(dockerfile, 'ARG KUBE_VERSION=v1.34.11', 'ARG KUBE_VERSION=v1.34.5');
    tree.write(dockerfile, `${tree.read(dockerfile, 'utf-8')}${userLine}`);
    edit(compose, 'KUBE_VERSION_GO: "1.24"', 'KUBE_VERSION_GO: "1.25"');
    const result = await syncGenerator(tree);
    expect(result.outOfSyncMessage).toContain('disagree with the versions declared in their project.json');
    expect(result.outOfSyncDetails).toEqual([
      'packages/n/Dockerfile.kicbase: ARG KUBE_VERSION v1.34.5 → v1.34.11',
      'packages/n/compose.yaml: services.n.build.args.KUBE_VERSION_GO 1.25 → 1.24',
    ]);
    expect(tree.read(dockerfile, 'utf-8')).toContain('\nARG KUBE_VERSION=v1.34.11\n');
    expect(tree.read(dockerfile, 'utf-8')!.endsWith(userLine)).toBe(true);
    expect(tree.read(compose, 'utf-8')).toContain('KUBE_VERSION_GO: "1.24"');
    expect(await syncGenerator(tree)).toEqual({});
  });

  it('takes a version changed in project.json as the truth', async () => {
    edit('packages/n/project.json', '"kubeVersion": "v1.34.11"', '"kubeVersion": "v1.34.5"');
    const result = await syncGenerator(tree);
    expect(result.outOfSyncDetails).toEqual([
      'packages/n/Dockerfile.kicbase: ARG KUBE_VERSION v1.34.11 → v1.34.5',
      'packages/n/compose.yaml: services.n.build.args.KUBE_VERSION v1.34.11 → v1.34.5',
      expect.stringMatching(/^packages\/n\/Dockerfile.kicbase: ARG KUBELET_SHA256_AMD64 4777a226.* → /),
      expect.stringMatching(/^packages\/n\/Dockerfile.kicbase: ARG KUBELET_SHA256_ARM64 f1287987.* → /),
      'packages/n/compose.yaml: services.n.image nx-kubelet-n:v1.34.11 → nx-kubelet-n:v1.34.5',
    ]);
  });

  it('repairs build args written as a KEY=value list, and then reports nothing', async () => {
    edit(
      compose,
      /      args:\n(        \w+: .*\n)+/,
      '      args:\n        - KICBASE_VERSION=v0.0.47\n        - KUBE_VERSION=v1.34.2\n        - KUBE_VERSION_GO=1.24\n        - BINARY_SOURCE=source\n',
    );
    const result = await syncGenerator(tree);
    expect(result.outOfSyncDetails).toEqual(['packages/n/compose.yaml: services.n.build.args.KUBE_VERSION v1.34.2 → v1.34.11']);
    expect(tree.read(compose, 'utf-8')).toContain('        - KUBE_VERSION=v1.34.11\n');
    expect(await syncGenerator(tree)).toEqual({});
  });

  it("counts interpolated values as the user's: not drift, left as they are", async () => {
    edit(compose, /BINARY_SOURCE: source.*\n/, 'BINARY_SOURCE: ${BINARY_SOURCE:-source}\n');
    edit(compose, 'KUBE_VERSION: v1.34.11', 'KUBE_VERSION: ${KUBE_VERSION:-v1.34.11}');
    edit(compose, /hostname: n\n/, 'hostname: ${NODE_HOSTNAME:-n}\n');
    const before = tree.read(compose, 'utf-8');
    expect(await syncGenerator(tree)).toEqual({});
    expect(tree.read(compose, 'utf-8')).toBe(before);
  });

  describe('a node it cannot read', () => {
    const expectRefused = async (...parts: string[]) => {
      const before = tree.read('packages/healthy/Dockerfile.kicbase', 'utf-8');
      const error = await syncGenerator(tree).then(
        () => undefined,
        (thrown: unknown) => thrown as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TypeError);
      for (const part of parts) expect(error!.message).toContain(part);
      expect(error!.message).not.toMatch(/up to date/);
      // Nothing is written, not even the other node's repair: nx sync writes all or nothing.
      expect(tree.read('packages/healthy/Dockerfile.kicbase', 'utf-8')).toBe(before);
    };

    beforeEach(async () => {
      await kubeletNodeGenerator(tree, { name: 'healthy' });
      edit('packages/healthy/Dockerfile.kicbase', 'ARG KUBE_VERSION=v1.34.11', 'ARG KUBE_VERSION=v1.34.2');
    });

    it('fails, naming node, file and reason, when kubelet.yaml is not YAML', async () => {
      tree.write('packages/n/kubelet.yaml', 'kind: KubeletConfiguration\naddress: [127.0.0.1\n');
      await expectRefused('Node "n": packages/n/kubelet.yaml', 'does not parse');
    });

    it('fails when kubelet.yaml is missing', async () => {
      tree.delete('packages/n/kubelet.yaml');
      await expectRefused('Node "n": packages/n/kubelet.yaml', 'is missing');
    });

    it('fails when the compose file is not YAML', async () => {
      tree.write(compose, 'services:\n  n: {build: [\n');
      await expectRefused('Node "n": packages/n/compose.yaml', 'does not parse');
    });

    it('fails when a required managed fact is missing (what it used to leave with a warning)', async () => {
      edit(dockerfile, /ARG KUBE_VERSION=.*\n/, '');
      await expectRefused('Node "n"', "Dockerfile.kicbase: it is missing: cannot find the kubelet's Kubernetes version (ARG KUBE_VERSION)");
      expect(tree.read(dockerfile, 'utf-8')).not.toContain('ARG KUBE_VERSION=');
    });

    it.each([
      ['null', null, 'must be a string like "1.34", got null'],
      ['a number', 1.34, 'must be a string like "1.34", got the number 1.34'],
    ])('fails with a typed message, never a TypeError, for a declared kubeVersion that is %s', async (_, value, message) => {
      edit('packages/n/project.json', '"kubeVersion": "v1.34.11"', `"kubeVersion": ${JSON.stringify(value)}`);
      await expectRefused(`Node "n": packages/n/project.json metadata["nx-kubelet"].kubeVersion ${message}`);
    });

    it('fails for a declared Go version that is not a string (a TypeError before)', async () => {
      edit('packages/n/project.json', '"kubeGoVersion": "1.24"', '"kubeGoVersion": null');
      await expectRefused('Node "n": packages/n/project.json metadata["nx-kubelet"].kubeGoVersion must be a string like "1.24", got null');
    });

    it('fails for a declaration that is not an object', async () => {
      const project = JSON.parse(tree.read('packages/n/project.json', 'utf-8')!);
      project.metadata['nx-kubelet'] = 'v1.34';
      tree.write('packages/n/project.json', JSON.stringify(project));
      await expectRefused('Node "n": packages/n/project.json metadata["nx-kubelet"] must be an object of versions');
    });

    it('fails for an engine record of the wrong type, rather than using the default engine', async () => {
      edit(compose, 'services:\n', 'x-kubelet-node:\n  docker-context: [edge-a]\nservices:\n');
      await expectRefused('Node "n": packages/n/compose.yaml:', 'x-kubelet-node.docker-context must be a string');
    });
  });

  it("warns, naming file and line, when the node's anonymous kubelet would be published beyond loopback", async () => {
    edit(compose, '    privileged: true', '    ports:\n      - "10250:10250"\n    privileged: true');
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      expect(await syncGenerator(tree)).toEqual({});
      const line = tree.read(compose, 'utf-8')!.split('\n').indexOf('      - "10250:10250"') + 1;
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`packages/n/compose.yaml:${line}: ports: 10250:10250 publishes the kubelet's API`));
    } finally {
      warn.mockRestore();
    }
  });

  it('reads only the files it manages: never bin/ or the manifests', async () => {
    tree.write('packages/n/bin/kubelet', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    const read = jest.spyOn(tree, 'read');
    await syncGenerator(tree);
    const paths = read.mock.calls.map(([path]) => String(path)).filter((path) => path.startsWith('packages/n/'));
    expect(paths.filter((path) => path.includes('/bin/') || path.includes('/manifests/'))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['packages/n/Dockerfile.kicbase', 'packages/n/compose.yaml', 'packages/n/kubelet.yaml']));
  });
});
