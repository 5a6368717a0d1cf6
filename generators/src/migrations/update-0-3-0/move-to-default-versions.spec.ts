import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { render } from 'ejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nxFactContext } from '../../lib/kubelet-nodes';
import { resolveNode, renderNode, KICBASE_REPOSITORY } from 'kubelet-node';
import { kubeletNodeGenerator } from '../../generators/kubelet-node/generator';
import moveToDefaultVersions, { refreshDockerfileStages, refreshLegacyLines } from './move-to-default-versions';

const model = resolveNode({ name: 'n', kubeVersion: 'v1.34.0', binarySource: 'release' }, { hasProject: () => false, directoryHasFiles: () => false });
const context = nxFactContext();
const legacy = render(readFileSync(join(__dirname, 'dockerfile-0.2.0.ejs'), 'utf8'), { ...model, kicbaseRepository: KICBASE_REPOSITORY });
const current = renderNode(model, context.templates, context.frontEnd)['Dockerfile.kicbase'];
const LAYER = '# my layer\nRUN echo mine > /etc/mine\n';

describe('0.3.0: what 0.2.0 generated and nobody edited', () => {
  it('gives a 0.2.0 Dockerfile the stages of 0.3.0, keeping a layer the user added', () => {
    const refreshed = refreshLegacyLines({ 'Dockerfile.kicbase': `${legacy}${LAYER}` }, model)['Dockerfile.kicbase'];
    expect(legacy).not.toContain('KUBELET_SHA256_AMD64');
    expect(refreshDockerfileStages(refreshed, legacy, current)).toBe(`${current}${LAYER}`);
  });

  it('leaves a Dockerfile whose stages the user edited', () => {
    const edited = legacy.replace('curl -fsSL --retry 3 -o kubelet', 'curl -fsSL --retry 5 -o kubelet');
    expect(edited).not.toBe(legacy);
    expect(refreshDockerfileStages(edited, legacy, current)).toBeUndefined();
  });

  it('takes versions out of the lines 0.2.0 generated, and only out of those', () => {
    const files = {
      'kubelet.yaml': '# KubeletConfiguration for a standalone kubelet v1.34.0 (no API server: it runs the static pods\n# tested on v1.34.0\n',
      'units/kubelet.service': '[Unit]\nDescription=kubelet v1.34.0 (standalone: static pods from /etc/kubernetes/manifests)\n',
      'units/cri-docker.service': '# --pod-infra-container-image: the pause image of Kubernetes 1.34; cri-dockerd would otherwise pull its own default.\n',
    };
    expect(refreshLegacyLines(files, model)).toEqual({
      'kubelet.yaml': '# KubeletConfiguration for a standalone kubelet (no API server: it runs the static pods\n# tested on v1.34.0\n',
      'units/kubelet.service': '[Unit]\nDescription=kubelet (standalone: static pods from /etc/kubernetes/manifests)\n',
      'units/cri-docker.service':
        "# --pod-infra-container-image: the pause image of the node's Kubernetes minor; cri-dockerd would otherwise pull its own default.\n",
    });
  });
});

describe('0.3.0: facts that 0.2.0 never wrote', () => {
  it('gives a 1.30 node the KubeletCgroupDriverFromCRI gate, and leaves the rest of kubelet.yaml alone', async () => {
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    await kubeletNodeGenerator(tree, { name: 'old', kubeVersion: '1.30', skipFormat: true });
    const path = 'packages/old/kubelet.yaml';
    const generated = tree.read(path, 'utf-8')!;
    // As 0.2.0 wrote it: no gate (and an own setting at the end).
    const asOf020 = `${generated.replace(/^# Take the cgroup driver.*\nfeatureGates:\n  KubeletCgroupDriverFromCRI: true\n/m, '')}maxPods: 50\n`;
    expect(asOf020).not.toContain('featureGates');
    tree.write(path, asOf020);
    await moveToDefaultVersions(tree);
    expect(tree.read(path, 'utf-8')).toBe(`${generated}maxPods: 50\n`);
  });
});
