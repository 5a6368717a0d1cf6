import {
  readComposeBuildArgs,
  readExecStartFlag,
  setComposeBuildArgs,
  setComposeImage,
  setDockerfileArg,
  setExecStartFlag,
  setKubeletField,
} from './node-edits';
import { modelOfNode } from './upgrade-node';

describe('setDockerfileArg', () => {
  const dockerfile = '# mine\nARG KUBE_VERSION=v1.34.0 # pinned by me\nFROM x\nARG KUBE_VERSION\nRUN echo ${KUBE_VERSION}\n';

  it('changes only the default of the ARG line, keeping what follows it on the line', () => {
    expect(setDockerfileArg(dockerfile, 'KUBE_VERSION', 'v1.35.8')).toBe(dockerfile.replace('v1.34.0', 'v1.35.8'));
  });

  it('leaves a Dockerfile without that ARG alone', () => {
    expect(setDockerfileArg(dockerfile, 'KICBASE_VERSION', 'v0.0.48')).toBe(dockerfile);
  });
});

describe('compose edits', () => {
  const compose = [
    '# my comment',
    'services:',
    '  n:',
    '    build:',
    '      args:',
    '        KUBE_VERSION: v1.34.0 # keep me',
    '        KUBE_VERSION_GO: "1.24"',
    '    image: nx-kubelet-n:v1.34.0',
    '  extra:',
    '    image: busybox',
    '',
  ].join('\n');

  it('sets build args keeping quotes, comments and other services', () => {
    const next = setComposeBuildArgs(compose, 'n', { KUBE_VERSION: 'v1.35.8', KUBE_VERSION_GO: '1.25', NOT_THERE: 'x' });
    expect(next).toContain('KUBE_VERSION: v1.35.8 # keep me');
    expect(next).toContain('KUBE_VERSION_GO: "1.25"');
    expect(next).toContain('# my comment');
    expect(next).toContain('  extra:\n    image: busybox');
    expect(next).not.toContain('NOT_THERE');
    expect(readComposeBuildArgs(next, 'n')).toEqual({ KUBE_VERSION: 'v1.35.8', KUBE_VERSION_GO: '1.25' });
  });

  it('reads build args written as a KEY=value list too', () => {
    expect(readComposeBuildArgs('services:\n  n:\n    build:\n      args:\n        - KUBE_VERSION=v1.34.0\n        - A=b=c\n', 'n')).toEqual({ KUBE_VERSION: 'v1.34.0', A: 'b=c' });
  });

  it('returns the text unchanged, byte for byte, when nothing changes', () => {
    expect(setComposeBuildArgs(compose, 'n', { KUBE_VERSION: 'v1.34.0' })).toBe(compose);
  });

  it('retags only the image nx-kubelet named', () => {
    expect(setComposeImage(compose, 'n', 'nx-kubelet-n:v1.34.0', 'nx-kubelet-n:v1.35.8')).toContain('image: nx-kubelet-n:v1.35.8');
    expect(setComposeImage(compose, 'n', 'something-else', 'nx-kubelet-n:v1.35.8')).toBe(compose);
  });
});

describe('setExecStartFlag', () => {
  const unit = '[Unit]\nDescription=x\n\n[Service]\n# --pod-infra-container-image: why\nExecStart=/usr/bin/kubelet --config=/k.yaml --v=2 --pod-infra-container-image=registry.k8s.io/pause:3.10\nRestart=always\n';

  it('removes a flag and the comment line that explains it, keeping the user\'s flags', () => {
    const next = setExecStartFlag(unit, '--pod-infra-container-image', undefined);
    expect(next).toBe('[Unit]\nDescription=x\n\n[Service]\nExecStart=/usr/bin/kubelet --config=/k.yaml --v=2\nRestart=always\n');
  });

  it('replaces a flag\'s value in place', () => {
    const next = setExecStartFlag(unit, '--pod-infra-container-image', 'registry.k8s.io/pause:3.10.1');
    expect(readExecStartFlag(next, '--pod-infra-container-image')).toBe('registry.k8s.io/pause:3.10.1');
    expect(next.split('\n')).toHaveLength(unit.split('\n').length);
  });

  it('adds a missing flag at the end, with its comment', () => {
    const without = setExecStartFlag(unit, '--pod-infra-container-image', undefined);
    expect(setExecStartFlag(without, '--pod-infra-container-image', 'p:1', '--pod-infra-container-image: why')).toBe(unit.replace('registry.k8s.io/pause:3.10', 'p:1'));
  });
});

describe('setKubeletField', () => {
  const yaml = '# header\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 50 # mine\n';

  it('adds a missing field with a comment and keeps everything else', () => {
    const next = setKubeletField(yaml, 'failCgroupV1', false, 'why');
    expect(next).toBe('# header\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 50 # mine\n# why\nfailCgroupV1: false\n');
  });

  it('keeps a value the user set, and removes the field when asked', () => {
    const withTrue = `${yaml}failCgroupV1: true\n`;
    expect(setKubeletField(withTrue, 'failCgroupV1', false)).toBe(withTrue);
    expect(setKubeletField(withTrue, 'failCgroupV1', undefined)).toBe(yaml);
  });
});

describe('modelOfNode', () => {
  it("takes the node's hostname from its own service, not from a sidecar listed before it", () => {
    const compose = 'services:\n  sidecar:\n    hostname: sidecar\n  n:\n    hostname: node-1.lab\n    build:\n      args:\n        BINARY_SOURCE: local\n';
    const model = modelOfNode({ name: 'n', directory: 'packages/n', files: { 'compose.yaml': compose } }, {
      kubeVersion: 'v1.34.0', kubeGoVersion: '1.24', criDockerdVersion: 'v0.3.21', criDockerdGoVersion: '1.24', kicbaseVersion: 'v0.0.47',
    });
    expect(model.hostname).toBe('node-1.lab');
    expect(model.binarySource).toBe('local');
  });
});
