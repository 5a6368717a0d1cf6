import { findPod, formatPod, KubeletPod, summarizePod } from './pods';

const pod = (status: KubeletPod['status'], name = 'web-node1'): KubeletPod => ({
  metadata: { name, namespace: 'default', annotations: { 'kubernetes.io/config.hash': 'h1' } },
  spec: { nodeName: 'node1', containers: [{ name: 'web' }] },
  status,
});

describe('summarizePod', () => {
  it('Running and ready is done, with no reason', () => {
    const summary = summarizePod(pod({ phase: 'Running', containerStatuses: [{ name: 'web', ready: true, restartCount: 2, state: { running: {} } }] }));
    expect(summary).toMatchObject({ key: 'default/web-node1', phase: 'Running', ready: '1/1', restarts: 2, done: true, failed: false, configHash: 'h1' });
    expect(formatPod(summary)).toBe('default/web-node1  Running  1/1 ready  2 restarts');
  });

  it.each([
    ['ErrImageNeverPull', true],
    ['ImagePullBackOff', true],
    ['CrashLoopBackOff', true],
    ['ContainerCreating', false],
    ['ErrImagePull', false],
  ])('a container waiting with %s: failed=%s, and the reason is shown', (reason, failed) => {
    const summary = summarizePod(pod({ phase: 'Pending', containerStatuses: [{ name: 'web', ready: false, state: { waiting: { reason, message: 'why\nmore' } } }] }));
    expect(summary.done).toBe(false);
    expect(summary.failed).toBe(failed);
    expect(formatPod(summary)).toBe(`default/web-node1  Pending  0/1 ready  0 restarts  web: ${reason} (why)`);
  });

  it('a run-once pod that Succeeded is done; a Pending pod without statuses says so', () => {
    expect(summarizePod(pod({ phase: 'Succeeded', containerStatuses: [{ name: 'web', state: { terminated: { exitCode: 0 } } }] })).done).toBe(true);
    expect(summarizePod(pod({ phase: 'Pending' })).reason).toBe('no container started yet');
    expect(summarizePod(pod({ phase: 'Failed' })).failed).toBe(true);
  });
});

describe('findPod', () => {
  it('finds a manifest pod by <name>-<node name> and namespace, not by prefix', () => {
    const pods = [pod({}, 'web-api-node1'), pod({}, 'web-node1')];
    expect(findPod(pods, { name: 'web', namespace: 'default' }, 'node1')?.metadata.name).toBe('web-node1');
    expect(findPod(pods, { name: 'web', namespace: 'other' }, 'node1')).toBeUndefined();
  });
});
