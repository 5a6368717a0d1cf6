import { dockerfileArg, execStartFlag } from './locators';

const context = { service: 'n' };

describe('dockerfileArg', () => {
  it('finds the ARG whatever the keyword case and quoting, and keeps the quoting', () => {
    const locator = dockerfileArg('KUBE_VERSION');
    expect(locator.read('arg KUBE_VERSION=v1.34.0\n', context)).toEqual({ state: 'present', value: 'v1.34.0' });
    expect(locator.read("ARG KUBE_VERSION='v1.34.0'\n", context)).toEqual({ state: 'present', value: 'v1.34.0' });
    expect(locator.write("ARG KUBE_VERSION='v1.34.0'\n", 'v1.35.8', context)).toBe("ARG KUBE_VERSION='v1.35.8'\n");
    expect(locator.write('ARG KUBE_VERSION="v1.34.0"\n', 'v1.35.8', context)).toBe('ARG KUBE_VERSION="v1.35.8"\n');
  });
});

describe('execStartFlag', () => {
  const unit = (execStart: string) => `[Service]\n${execStart}\nRestart=always\n`;
  const locator = execStartFlag('kubelet', '--pod-infra-container-image');

  it('takes a flag followed by another flag as a flag without value, and never overwrites the other flag', () => {
    const text = unit('ExecStart=/usr/bin/kubelet --pod-infra-container-image --v=2');
    expect(locator.read(text, context)).toEqual({ state: 'present', value: '' });
    expect(locator.write(text, 'registry.k8s.io/pause:3.10', context)).toBe(
      unit('ExecStart=/usr/bin/kubelet --pod-infra-container-image=registry.k8s.io/pause:3.10 --v=2'),
    );
    expect(locator.write(text, undefined, context)).toBe(unit('ExecStart=/usr/bin/kubelet --v=2'));
  });

  it('reads and replaces a value given as the next word', () => {
    const text = unit('ExecStart=/usr/bin/kubelet --pod-infra-container-image registry.k8s.io/pause:3.9 --v=2');
    expect(locator.read(text, context)).toEqual({ state: 'present', value: 'registry.k8s.io/pause:3.9' });
    expect(locator.write(text, 'registry.k8s.io/pause:3.10', context)).toBe(
      unit('ExecStart=/usr/bin/kubelet --pod-infra-container-image registry.k8s.io/pause:3.10 --v=2'),
    );
  });

  it('removes the last flag of a wrapped ExecStart without leaving a dangling backslash', () => {
    const text = unit('ExecStart=/usr/bin/kubelet \\\n  --config=/kubelet.yaml \\\n  --pod-infra-container-image=registry.k8s.io/pause:3.10');
    expect(locator.write(text, undefined, context)).toBe(unit('ExecStart=/usr/bin/kubelet \\\n  --config=/kubelet.yaml'));
  });
});
