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

  it('reports a node it cannot read by name and reason, and still syncs the other nodes', async () => {
    await kubeletNodeGenerator(tree, { name: 'healthy' });
    edit('packages/healthy/Dockerfile.kicbase', 'ARG KUBE_VERSION=v1.34.11', 'ARG KUBE_VERSION=v1.34.2');
    edit(dockerfile, /ARG KUBE_VERSION=.*\n/, '');
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      const result = await syncGenerator(tree);
      expect(result.outOfSyncDetails).toEqual(['packages/healthy/Dockerfile.kicbase: ARG KUBE_VERSION v1.34.2 → v1.34.11']);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('sync left n as it is'));
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining("Dockerfile.kicbase: it is missing: cannot find the kubelet's Kubernetes version (ARG KUBE_VERSION)"),
      );
      expect(tree.read(dockerfile, 'utf-8')).not.toContain('ARG KUBE_VERSION=');
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
