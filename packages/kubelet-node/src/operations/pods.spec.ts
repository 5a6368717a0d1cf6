import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeContext } from './node-context';
import { findPod, formatPod, KubeletPod, PODS_POLL_SCRIPT, summarizePod, waitForPods } from './pods';

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
    const summary = summarizePod(
      pod({ phase: 'Pending', containerStatuses: [{ name: 'web', ready: false, state: { waiting: { reason, message: 'why\nmore' } } }] }),
    );
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

describe('waitForPods interrupted', () => {
  it('says "interrupted" when Ctrl-C ends a /pods request, not that the read-only API is off', async () => {
    // A stand-in docker CLI: answers `exec <id> hostname`, and for the /pods curl announces itself and waits for SIGINT.
    const dir = mkdtempSync(join(tmpdir(), 'pods-interrupt-'));
    const docker = join(dir, 'docker');
    const started = join(dir, 'curl-started');
    writeFileSync(
      docker,
      `#!/bin/sh\nif [ "$3" = hostname ]; then echo node1; exit 0; fi\ntrap 'exit 130' INT\ntouch '${started}'\nwhile :; do sleep 0.05; done\n`,
    );
    chmodSync(docker, 0o755);
    const node = { name: 'n1', target: { command: docker }, kubelet: { healthzPort: 10248, readOnlyPort: 10255 } } as unknown as NodeContext;
    const poke = setInterval(() => {
      if (existsSync(started)) {
        clearInterval(poke);
        process.emit('SIGINT', 'SIGINT');
      }
    }, 20);
    try {
      const outcome = await waitForPods(node, 'c1', { running: [{ name: 'web', namespace: 'default' }], gone: [] }, 10_000);
      expect(outcome).toMatchObject({ ok: false, why: 'interrupted' });
    } finally {
      clearInterval(poke);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('waitForPods in one exec', () => {
  it('runs PODS_POLL_SCRIPT once, reads each change of /pods as it comes (JSON over several lines too), ends it when the pod runs', async () => {
    // A stand-in docker CLI running the script as the node would, with a stand-in curl: /pods answers "Pending" three
    // times (printed once: unchanged answers are not), then "Running" with its container ready, as indented JSON.
    const dir = mkdtempSync(join(tmpdir(), 'pods-poll-'));
    const docker = join(dir, 'docker');
    const calls = join(dir, 'calls');
    const pending = JSON.stringify({ items: [pod({ phase: 'Pending' })] });
    const running = JSON.stringify({ items: [pod({ phase: 'Running', containerStatuses: [{ name: 'web', ready: true }] })] }, null, 2);
    writeFileSync(join(dir, 'pending.json'), pending);
    writeFileSync(join(dir, 'running.json'), running);
    writeFileSync(
      join(dir, 'curl'),
      `#!/bin/sh\necho x >> '${calls}'\nif [ "$(wc -l < '${calls}')" -le 3 ]; then cat '${dir}/pending.json'; else cat '${dir}/running.json'; fi\n`,
    );
    writeFileSync(
      docker,
      `#!/bin/sh\nprintf '%s\\n' "$1 $2 $3" >> '${dir}/docker-calls'\nif [ "$3" = hostname ]; then echo node1; exit 0; fi\nPATH='${dir}':$PATH exec sh -c "$6" sh "$8" "$9"\n`,
    );
    chmodSync(docker, 0o755);
    chmodSync(join(dir, 'curl'), 0o755);
    const node = { name: 'n1', target: { command: docker }, kubelet: { healthzPort: 10248, readOnlyPort: 10255 } } as unknown as NodeContext;
    const states: string[] = [];
    try {
      const outcome = await waitForPods(node, 'c1', { running: [{ name: 'web', namespace: 'default' }], gone: [] }, 10_000, {
        onState: (state) => states.push(state),
      });
      expect(outcome).toMatchObject({ ok: true, lines: ['default/web-node1  Running  1/1 ready  0 restarts'] });
      expect(states).toEqual(['0/1 pods ready']);
      // One exec for the hostname, one for the whole wait.
      expect(readFileSync(join(dir, 'docker-calls'), 'utf8').trim().split('\n')).toHaveLength(2);
      expect(PODS_POLL_SCRIPT).toContain('cat >/dev/null; kill "$job"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
