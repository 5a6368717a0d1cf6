/**
 * nx g nx-kubelet:kubelet-node runs the core's exposure check on what it writes and warns (does not refuse), naming
 * file and line, when the node's anonymous AlwaysAllow kubelet would be reachable beyond the container's loopback.
 * No option of the generator opens it today, so the rendered files are opened here, as a template change could.
 */
import { logger } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';

jest.mock('kubelet-node', () => {
  const actual = jest.requireActual('kubelet-node');
  return {
    ...actual,
    renderNode: (...args: unknown[]) => {
      const files = actual.renderNode(...args);
      return { ...files, 'kubelet.yaml': files['kubelet.yaml'].replace(/^address: .*$/m, 'address: 0.0.0.0') };
    },
  };
});

import { kubeletNodeGenerator } from './generator';

describe('kubelet-node generator: exposure check', () => {
  it("warns, naming file and line, when the new node's anonymous kubelet would listen beyond loopback, and still writes it", async () => {
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' } as never);
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      await kubeletNodeGenerator(tree, { name: 'n' });
      const line = tree.read('packages/n/kubelet.yaml', 'utf-8')!.split('\n').indexOf('address: 0.0.0.0') + 1;
      expect(line).toBeGreaterThan(0);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`packages/n/kubelet.yaml:${line}: the kubelet's API (port 10250) listens on 0.0.0.0`));
    } finally {
      warn.mockRestore();
    }
  });
});
