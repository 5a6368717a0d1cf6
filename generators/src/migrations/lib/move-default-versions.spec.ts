import { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_VERSIONS } from 'kubelet-node';
import { kubeletNodeGenerator } from '../../generators/kubelet-node/generator';
import { readNodeFiles } from '../../../tests/support/tree-files';
import { moveNodesOnDefaults } from './move-default-versions';
import { RELEASED_DEFAULTS } from './released-defaults';

const OLD = { kubernetes: 'v1.34.0', criDockerd: 'v0.3.21', kicbase: 'v0.0.47' };
const NEW = { kubernetes: 'v1.35.8', criDockerd: 'v0.3.25', kicbase: 'v0.0.48' };

describe('moveNodesOnDefaults', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    // As an older release generated it, on its defaults.
    await kubeletNodeGenerator(tree, { name: 'on-defaults', kubeVersion: OLD.kubernetes, criDockerdVersion: OLD.criDockerd, kicbaseVersion: OLD.kicbase });
    await kubeletNodeGenerator(tree, { name: 'pinned', kubeVersion: 'v1.34.5', criDockerdVersion: OLD.criDockerd, kicbaseVersion: 'v0.0.46' });
    tree.write('packages/on-defaults/kubelet.yaml', `${tree.read('packages/on-defaults/kubelet.yaml', 'utf-8')}maxPods: 50 # mine\n`);
  });

  it('moves nodes on the old defaults through the upgrade logic and keeps their edits', () => {
    moveNodesOnDefaults(tree, OLD, NEW);
    const dockerfile = tree.read('packages/on-defaults/Dockerfile.kicbase', 'utf-8')!;
    expect(dockerfile).toContain('\nARG KUBE_VERSION=v1.35.8\nARG KUBE_VERSION_GO=1.25\nARG CRI_DOCKERD_VERSION=v0.3.25\n');
    expect(dockerfile).toContain('\nARG KICBASE_VERSION=v0.0.48\n');
    expect(tree.read('packages/on-defaults/units/kubelet.service', 'utf-8')).not.toContain('--pod-infra-container-image');
    expect(tree.read('packages/on-defaults/kubelet.yaml', 'utf-8')).toContain('maxPods: 50 # mine\n');
  });

  it('leaves pinned versions alone and says how to move them; defaults that match still move', () => {
    const before = tree.read('packages/pinned/Dockerfile.kicbase', 'utf-8')!;
    const steps = moveNodesOnDefaults(tree, OLD, NEW);
    expect(steps).toContain(
      'pinned stays on Kubernetes v1.34.5 (chosen for it, not the old default v1.34.0); to move it: nx g nx-kubelet:upgrade pinned --kubeVersion=v1.35.8',
    );
    expect(steps).toContain(
      'pinned stays on kicbase v0.0.46 (chosen for it, not the old default v0.0.47); to move it: nx g nx-kubelet:upgrade pinned --kicbaseVersion=v0.0.48',
    );
    const after = tree.read('packages/pinned/Dockerfile.kicbase', 'utf-8')!;
    expect(after).toContain('ARG KUBE_VERSION=v1.34.5');
    expect(after).toContain('ARG CRI_DOCKERD_VERSION=v0.3.25');
    expect(after).not.toBe(before);
  });

  it('names a node it cannot read, leaves it as it is, and still moves the others', async () => {
    await kubeletNodeGenerator(tree, { name: 'broken', kubeVersion: OLD.kubernetes, criDockerdVersion: OLD.criDockerd, kicbaseVersion: OLD.kicbase });
    tree.write('packages/broken/kubelet.yaml', 'cgroupDriver: [unclosed\n');
    const before = readNodeFiles(tree, 'packages/broken');
    const steps = moveNodesOnDefaults(tree, OLD, NEW);
    expect(readNodeFiles(tree, 'packages/broken')).toEqual(before);
    expect(steps).toContainEqual(
      expect.stringMatching(
        /^broken stays as it is \(Node "broken": packages\/broken\/kubelet\.yaml:\d+: does not parse \(.*\); once that is fixed: nx g nx-kubelet:upgrade broken --kubeVersion=v1\.35\.8/,
      ),
    );
    expect(tree.read('packages/on-defaults/Dockerfile.kicbase', 'utf-8')).toContain('\nARG KUBE_VERSION=v1.35.8\n');
  });

  it('is idempotent', () => {
    moveNodesOnDefaults(tree, OLD, NEW);
    const once = readNodeFiles(tree, 'packages');
    moveNodesOnDefaults(tree, OLD, NEW);
    expect(readNodeFiles(tree, 'packages')).toEqual(once);
  });
});

describe('released defaults', () => {
  const pluginRoot = join(__dirname, '..', '..', '..');
  const version = JSON.parse(readFileSync(join(pluginRoot, 'package.json'), 'utf8')).version;
  const migrations = JSON.parse(readFileSync(join(pluginRoot, 'migrations.json'), 'utf8')).generators as Record<
    string,
    { version: string; implementation: string }
  >;

  it('records the current defaults for the current release', () => {
    const last = RELEASED_DEFAULTS[RELEASED_DEFAULTS.length - 1];
    expect(last.release).toBe(version);
    expect(last.defaults).toEqual(DEFAULT_VERSIONS);
  });

  it('has a version migration for every release that changed the defaults', () => {
    RELEASED_DEFAULTS.slice(1).forEach(({ release, defaults }, index) => {
      if (JSON.stringify(defaults) === JSON.stringify(RELEASED_DEFAULTS[index].defaults)) return;
      const migration = Object.values(migrations).find((m) => m.version === release && m.implementation.includes('move-to-default-versions'));
      expect(migration).toBeDefined();
    });
  });
});
