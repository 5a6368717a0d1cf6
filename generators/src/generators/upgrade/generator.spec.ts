import { logger, readProjectConfiguration, Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse } from 'yaml';
import { checkKubeletConfiguration, checkStandaloneSettings, parseKubeletYaml } from '../../../tests/support/kubelet-configuration';
import { lintDockerfile } from '../../../tests/support/validators';
import { kubeletNodeGenerator } from '../kubelet-node/generator';
import { readNodeFiles } from '../../../tests/support/tree-files';
import { syncGenerator } from '../sync/generator';
import { upgradeGenerator } from './generator';

const root = 'packages/n';
const read = (tree: Tree, path: string) => tree.read(`${root}/${path}`, 'utf-8') ?? '';
const write = (tree: Tree, path: string, content: string) => tree.write(`${root}/${path}`, content);
const snapshot = (tree: Tree) => readNodeFiles(tree, root);

/** The edits a user makes to a node: all must survive upgrades. */
function addUserEdits(tree: Tree): void {
  write(tree, 'kubelet.yaml', `${read(tree, 'kubelet.yaml')}# my settings\nmaxPods: 50 # keep\nserializeImagePulls: false\n`);
  write(tree, 'manifests/extra.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: extra\n');
  write(
    tree,
    'compose.yaml',
    `${read(tree, 'compose.yaml').replace('services:\n', 'services:\n  sidecar: # my sidecar\n    image: busybox\n    hostname: sidecar\n')}`,
  );
  write(tree, 'units/kubelet.service', read(tree, 'units/kubelet.service').replace(/^(ExecStart=.*)$/m, '$1 --v=2'));
  write(tree, 'Dockerfile.kicbase', `${read(tree, 'Dockerfile.kicbase')}# my layer\nRUN echo mine > /etc/mine\n`);
}

function expectUserEdits(tree: Tree): void {
  expect(read(tree, 'kubelet.yaml')).toContain('# my settings\nmaxPods: 50 # keep\nserializeImagePulls: false\n');
  expect(read(tree, 'manifests/extra.yaml')).toContain('name: extra');
  expect(parse(read(tree, 'compose.yaml')).services.sidecar).toEqual({ image: 'busybox', hostname: 'sidecar' });
  expect(read(tree, 'compose.yaml')).toContain('sidecar: # my sidecar');
  expect(read(tree, 'units/kubelet.service')).toContain(' --v=2');
  expect(read(tree, 'Dockerfile.kicbase')).toContain('# my layer\nRUN echo mine > /etc/mine\n');
}

/** Everything that depends on the versions, for comparing two nodes. */
function versionDependentContent(tree: Tree) {
  const compose = parse(read(tree, 'compose.yaml')).services.n;
  const kubelet = parseKubeletYaml(read(tree, 'kubelet.yaml'));
  return {
    args: read(tree, 'Dockerfile.kicbase').match(/^ARG \w+=.*$/gm),
    composeArgs: compose.build.args,
    image: compose.image,
    kubeletExecStart: read(tree, 'units/kubelet.service').match(/^ExecStart=.*$/m)?.[0],
    criDockerExecStart: read(tree, 'units/cri-docker.service').match(/^ExecStart=.*$/m)?.[0],
    failCgroupV1: kubelet.failCgroupV1,
    declared: readProjectConfiguration(tree, 'n').metadata?.['nx-kubelet' as never],
  };
}

describe('upgrade generator', () => {
  let tree: Tree;

  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await kubeletNodeGenerator(tree, { name: 'n' });
  });

  it("moves 1.34 → 1.35: Go, pause flag, image tag and declared versions change; the user's edits stay", async () => {
    addUserEdits(tree);
    await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.35' });
    expectUserEdits(tree);
    const content = versionDependentContent(tree);
    expect(content.args).toContain('ARG KUBE_VERSION=v1.35.8');
    expect(content.args).toContain('ARG KUBE_VERSION_GO=1.25');
    expect(content.composeArgs).toMatchObject({ KUBE_VERSION: 'v1.35.8', KUBE_VERSION_GO: '1.25' });
    expect(content.kubeletExecStart).toBe('ExecStart=/usr/bin/kubelet --config=/kubelet.yaml --hostname-override=%H --v=2');
    expect(read(tree, 'units/kubelet.service')).not.toContain('pod-infra-container-image');
    expect(content.image).toBe('nx-kubelet-n:v1.35.8');
    expect(content.declared).toEqual({
      kubeVersion: 'v1.35.8',
      kubeGoVersion: '1.25',
      criDockerdVersion: 'v0.3.21',
      criDockerdGoVersion: '1.24',
      kicbaseVersion: 'v0.0.47',
    });
    const config = parseKubeletYaml(read(tree, 'kubelet.yaml'));
    expect(checkKubeletConfiguration({ ...config, serializeImagePulls: undefined }, '1.35').filter((p) => !p.startsWith('serializeImagePulls'))).toEqual([]);
    expect(checkStandaloneSettings(config, '1.35')).toEqual([]);
    expect(lintDockerfile(read(tree, 'Dockerfile.kicbase'))).toEqual([]);
  });

  it('gives, in steps 1.34 → 1.35 → 1.36, the same version-dependent content as generating 1.36 directly', async () => {
    await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.35' });
    await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.36' });
    const direct = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await kubeletNodeGenerator(direct, { name: 'n', kubeVersion: '1.36' });
    expect(versionDependentContent(tree)).toEqual(versionDependentContent(direct));
    // Without user edits, the steps even give the same bytes in every file.
    expect(snapshot(tree)).toEqual(snapshot(direct));
  });

  it('gives the same content from 1.29 in steps to 1.31 (failCgroupV1 appears) as generating 1.31 directly', async () => {
    const old = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await kubeletNodeGenerator(old, { name: 'n', kubeVersion: '1.29' });
    await upgradeGenerator(old, { project: 'n', kubeVersion: 'v1.30' });
    await upgradeGenerator(old, { project: 'n', kubeVersion: '1.31' });
    const direct = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await kubeletNodeGenerator(direct, { name: 'n', kubeVersion: '1.31' });
    expect(versionDependentContent(old)).toEqual(versionDependentContent(direct));
    expect(parseKubeletYaml(read(old, 'kubelet.yaml'))).toEqual(parseKubeletYaml(read(direct, 'kubelet.yaml')));
  });

  it('is idempotent: the same upgrade twice changes nothing the second time', async () => {
    addUserEdits(tree);
    await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.36' });
    const once = snapshot(tree);
    await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.36' });
    expect(snapshot(tree)).toEqual(once);
  });

  it('forces a cri-dockerd new enough for the new minor, and says so', async () => {
    const old = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    // A 1.30 node on cri-dockerd v0.3.15, as nx-kubelet 0.2.0 allowed it: declared so, and synced to it.
    await kubeletNodeGenerator(old, { name: 'n', kubeVersion: '1.30' });
    old.write(
      `${root}/project.json`,
      read(old, 'project.json')
        .replace('"criDockerdVersion": "v0.3.21"', '"criDockerdVersion": "v0.3.15"')
        .replace('"criDockerdGoVersion": "1.24"', '"criDockerdGoVersion": "1.21"'),
    );
    await syncGenerator(old);
    expect(read(old, 'Dockerfile.kicbase')).toContain('\nARG CRI_DOCKERD_VERSION=v0.3.15\nARG CRI_DOCKERD_VERSION_GO=1.21\n');
    await upgradeGenerator(old, { project: 'n', kubeVersion: '1.31' });
    expect(read(old, 'Dockerfile.kicbase')).toContain('\nARG CRI_DOCKERD_VERSION=v0.3.21\nARG CRI_DOCKERD_VERSION_GO=1.24\n');
    expect(read(old, 'Dockerfile.kicbase')).toContain('ARG CRI_DOCKERD_SHA256_AMD64=6c35838bc4b1aef74f9113670e114ca729a5f295f9457b226791e18e86e91698');
  });

  it('keeps a project.json with comments byte for byte outside the declaration', async () => {
    const commented = read(tree, 'project.json').replace('{\n', '{\n  // my node: keep this comment\n').replace('"tags": []', '"tags": [ /* none yet */ ]');
    write(tree, 'project.json', commented);
    await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.35' });
    const after = read(tree, 'project.json');
    expect(after).toContain('  // my node: keep this comment\n');
    expect(after).toContain('"tags": [ /* none yet */ ]');
    expect(after.replace(/"nx-kubelet": \{[^}]*\}/, '')).toBe(commented.replace(/"nx-kubelet": \{[^}]*\}/, ''));
    expect(readProjectConfiguration(tree, 'n').metadata?.['nx-kubelet' as never]).toMatchObject({ kubeVersion: 'v1.35.8', kubeGoVersion: '1.25' });
  });

  it('changes nothing in any node when one cannot be upgraded as it is, and says what to do', async () => {
    await kubeletNodeGenerator(tree, { name: 'other', directory: 'packages/other' });
    write(tree, 'units/kubelet.service', read(tree, 'units/kubelet.service').replace(/^ExecStart=.*$/m, 'ExecStart=/opt/run-kubelet.sh'));
    const before = snapshot(tree);
    const otherBefore = readNodeFiles(tree, 'packages/other');
    await expect(upgradeGenerator(tree, { all: true, kubeVersion: '1.35' })).rejects.toThrow(
      "nx-kubelet: nothing was changed, because:\n  - n: units/kubelet.service: its ExecStart= runs /opt/run-kubelet.sh, not kubelet: cannot find the kubelet's pause image flag (removed in 1.35)",
    );
    expect(snapshot(tree)).toEqual(before);
    expect(readNodeFiles(tree, 'packages/other')).toEqual(otherBefore);
  });

  it('refuses a misspelled option, naming the closest one', async () => {
    await expect(upgradeGenerator(tree, { project: 'n', kubeVerison: '1.35' } as never)).rejects.toThrow(
      '--kubeVerison is not an option of nx-kubelet:upgrade: did you mean --kubeVersion?',
    );
  });

  it('keeps a Go the user pinned above the minimum', async () => {
    const pinned = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await kubeletNodeGenerator(pinned, { name: 'n', kubeGoVersion: '1.26' });
    await upgradeGenerator(pinned, { project: 'n', kubeVersion: '1.35' });
    expect(read(pinned, 'Dockerfile.kicbase')).toContain('\nARG KUBE_VERSION_GO=1.26\n');
  });

  it('refuses a downgrade across a minor unless --force', async () => {
    await expect(upgradeGenerator(tree, { project: 'n', kubeVersion: '1.33' })).rejects.toThrow('would downgrade the node across a minor');
    expect(read(tree, 'Dockerfile.kicbase')).toContain('ARG KUBE_VERSION=v1.34.11');
    await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.33', force: true });
    expect(read(tree, 'Dockerfile.kicbase')).toContain('ARG KUBE_VERSION=v1.33.13');
  });

  it('advises down --volumes for a new base image only: across minors, up and down, the /var volume stays', async () => {
    const logged: string[] = [];
    const info = jest.spyOn(logger, 'info').mockImplementation((message) => void logged.push(String(message)));
    const warn = jest.spyOn(logger, 'warn').mockImplementation((message) => void logged.push(String(message)));
    try {
      await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.37' });
      expect(logged.join('\n')).toContain('nx run n:up   (recreates the container with the new image on the same /var volume');
      expect(logged.join('\n')).not.toContain('down --volumes');
      logged.length = 0;
      await expect(upgradeGenerator(tree, { project: 'n', kubeVersion: '1.34' })).rejects.toThrow(
        'which Kubernetes does not support. Pass --force to do it anyway: keep the /var volume',
      );
      await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.34', force: true });
      expect(logged.join('\n')).toContain('note: A downgrade across a minor (Kubernetes 1.37 → 1.34): keep the /var volume');
      expect(logged.join('\n')).toContain('if the kubelet does not become healthy, run down --volumes, then up');
      expect(logged.join('\n')).not.toContain('nx run n:down --volumes');
      logged.length = 0;
      await upgradeGenerator(tree, { project: 'n', kicbaseVersion: 'v0.0.48' });
      expect(logged.join('\n')).toContain(
        "nx run n:down --volumes   (the /var volume was filled from the old base image's /var and would shadow the new one's)",
      );
      // A downgrade that changes the base image too: the note and the next steps agree that the volume goes.
      logged.length = 0;
      await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.37' });
      logged.length = 0;
      await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.34', kicbaseVersion: 'v0.0.47', force: true });
      expect(logged.join('\n')).toContain('note: A downgrade across a minor (Kubernetes 1.37 → 1.34): the base image changes too, so the /var volume goes');
      expect(logged.join('\n')).not.toContain('keep the /var volume');
      expect(logged.join('\n')).toContain('nx run n:down --volumes');
    } finally {
      info.mockRestore();
      warn.mockRestore();
    }
  });

  it('validates like the node generator and writes nothing on error', async () => {
    const before = snapshot(tree);
    await expect(upgradeGenerator(tree, { project: 'n', kubeVersion: '1.99' })).rejects.toThrow("n: Kubernetes 1.99 is not in nx-kubelet's version matrix");
    await expect(upgradeGenerator(tree, { project: 'n', kubeVersion: '1.36', kubeGoVersion: '1.25' })).rejects.toThrow('n: --kubeGoVersion 1.25 is too old');
    await expect(upgradeGenerator(tree, { project: 'n', kubeVersion: 'one.two' })).rejects.toThrow('n: --kubeVersion "one.two" is not a Kubernetes version');
    await expect(upgradeGenerator(tree, { project: 'nope', kubeVersion: '1.36' })).rejects.toThrow('"nope" is not a kubelet node of this workspace (nodes: n)');
    expect(snapshot(tree)).toEqual(before);
  });

  it('--all upgrades every node, and checks them all before writing any', async () => {
    await kubeletNodeGenerator(tree, { name: 'm', kubeVersion: '1.35' });
    await upgradeGenerator(tree, { all: true, kubeVersion: '1.36' });
    expect(tree.read('packages/m/Dockerfile.kicbase', 'utf-8')).toContain('ARG KUBE_VERSION=v1.36.4');
    expect(read(tree, 'Dockerfile.kicbase')).toContain('ARG KUBE_VERSION=v1.36.4');
    const before = snapshot(tree);
    await kubeletNodeGenerator(tree, { name: 'late', kubeVersion: '1.36' });
    await expect(upgradeGenerator(tree, { all: true, kubeVersion: '1.35' })).rejects.toThrow('would downgrade');
    expect(snapshot(tree)).toEqual(before);
  });

  it('changes kicbase and leaves README.md alone when the user edited it', async () => {
    write(tree, 'README.md', '# my own notes\n');
    await upgradeGenerator(tree, { project: 'n', kicbaseVersion: 'v0.0.48' });
    expect(read(tree, 'Dockerfile.kicbase')).toContain('\nARG KICBASE_VERSION=v0.0.48\n');
    expect(parse(read(tree, 'compose.yaml')).services.n.build.args.KICBASE_VERSION).toBe('v0.0.48');
    expect(read(tree, 'README.md')).toBe('# my own notes\n');
  });
  describe('a node it cannot read', () => {
    beforeEach(async () => {
      await kubeletNodeGenerator(tree, { name: 'other', directory: 'packages/other' });
    });

    const expectNothingChanged = async (run: Promise<unknown>, ...parts: string[]) => {
      const before = snapshot(tree);
      const otherBefore = readNodeFiles(tree, 'packages/other');
      const error = await run.then(
        () => undefined,
        (thrown: unknown) => thrown as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TypeError);
      for (const part of parts) expect(error!.message).toContain(part);
      expect(snapshot(tree)).toEqual(before);
      expect(readNodeFiles(tree, 'packages/other')).toEqual(otherBefore);
    };

    it('--all refuses, naming node, file and reason, when kubelet.yaml is not YAML, and changes no node', async () => {
      write(tree, 'kubelet.yaml', 'kind: KubeletConfiguration\naddress: [127.0.0.1\n');
      await expectNothingChanged(
        upgradeGenerator(tree, { all: true, kubeVersion: '1.35' }),
        'nothing was changed',
        'Node "n": packages/n/kubelet.yaml:',
        'does not parse',
      );
    });

    it('--all refuses when kubelet.yaml is missing', async () => {
      tree.delete(`${root}/kubelet.yaml`);
      await expectNothingChanged(upgradeGenerator(tree, { all: true, kubeVersion: '1.35' }), 'Node "n": packages/n/kubelet.yaml is missing');
    });

    it('refuses a node whose compose file is not YAML', async () => {
      write(tree, 'compose.yaml', 'services: [\n');
      await expectNothingChanged(upgradeGenerator(tree, { project: 'n', kicbaseVersion: 'v0.0.48' }), 'Node "n": packages/n/compose.yaml:', 'does not parse');
    });

    it.each([
      ['null', 'null', 'must be a string like "1.34", got null'],
      ['a number', '1.34', 'must be a string like "1.34", got the number 1.34'],
    ])('names a declared kubeVersion that is %s, never a raw TypeError', async (_, json, message) => {
      write(tree, 'project.json', read(tree, 'project.json').replace('"kubeVersion": "v1.34.11"', `"kubeVersion": ${json}`));
      await expectNothingChanged(
        upgradeGenerator(tree, { all: true, kubeVersion: '1.35' }),
        `Node "n": packages/n/project.json metadata["nx-kubelet"].kubeVersion ${message}`,
      );
    });

    it('names an engine record of the wrong type', async () => {
      write(tree, 'compose.yaml', read(tree, 'compose.yaml').replace('services:\n', 'x-kubelet-node: edge-a\nservices:\n'));
      await expectNothingChanged(
        upgradeGenerator(tree, { project: 'n', kubeVersion: '1.35' }),
        'Node "n": packages/n/compose.yaml:',
        'x-kubelet-node must be a mapping',
      );
    });
  });

  it("warns, naming file and line, when the upgraded node's anonymous kubelet listens beyond loopback", async () => {
    write(tree, 'kubelet.yaml', read(tree, 'kubelet.yaml').replace(/^address: .*$/m, 'address: 0.0.0.0'));
    const line = read(tree, 'kubelet.yaml').split('\n').indexOf('address: 0.0.0.0') + 1;
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      await upgradeGenerator(tree, { project: 'n', kubeVersion: '1.35' });
      expect(read(tree, 'Dockerfile.kicbase')).toContain('ARG KUBE_VERSION=v1.35.8');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`packages/n/kubelet.yaml:${line}: the kubelet's API (port 10250) listens on 0.0.0.0`));
    } finally {
      warn.mockRestore();
    }
  });
});
