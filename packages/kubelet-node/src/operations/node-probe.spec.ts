import { readProbe } from './node-probe';

const UNITS = ['docker.service', 'kubelet.service'];
const pods = JSON.stringify({ kind: 'PodList', items: [{ metadata: { name: 'web-node1', namespace: 'default' }, status: { phase: 'Running' } }] });
/** What NODE_PROBE_SCRIPT prints for a healthy node (curl's answers first: they are written while systemd is asked). */
const healthy = [
  'ok',
  '@@kubelet-node healthz 200',
  pods,
  '@@kubelet-node pods 200',
  'running',
  '@@kubelet-node system 0',
  'active',
  'active',
  '@@kubelet-node units 0',
  'web.yaml',
  '.hidden',
  '@@kubelet-node manifests 0',
  '@@kubelet-node end 0',
  '',
].join('\n');

describe('readProbe (the answers of one docker exec into the node)', () => {
  it('a healthy node: every answer', () => {
    const probe = readProbe({ stdout: healthy, exitCode: 0, tail: '' }, UNITS);
    expect(probe).toEqual({
      system: 'running',
      units: { 'docker.service': 'active', 'kubelet.service': 'active' },
      healthz: 'ok',
      pods: [expect.objectContaining({ metadata: { name: 'web-node1', namespace: 'default' } })],
      manifests: ['web.yaml'],
      unread: undefined,
    });
  });

  it('a kubelet that does not answer (HTTP 000) or answers an error: not healthy, pods unknown; systemd as it says (degraded, exit 1)', () => {
    const stdout = [
      '',
      '@@kubelet-node healthz 000',
      'Not Found',
      '@@kubelet-node pods 404',
      'degraded',
      '@@kubelet-node system 1',
      'active',
      'inactive',
      '@@kubelet-node units 3',
      '@@kubelet-node manifests 0',
      '@@kubelet-node end 0',
    ].join('\n');
    const probe = readProbe({ stdout, exitCode: 0, tail: '' }, UNITS);
    expect(probe).toMatchObject({ system: 'degraded', units: { 'docker.service': 'active', 'kubelet.service': 'inactive' }, manifests: [] });
    expect(probe.healthz).toBeUndefined();
    expect(probe.pods).toBeUndefined();
    expect(probe.unread).toBeUndefined();
  });

  it('the read-only API off (no pods answer) and a body that is not a pod list: pods unknown', () => {
    const off = readProbe({ stdout: healthy.replace(`${pods}\n@@kubelet-node pods 200\n`, ''), exitCode: 0, tail: '' }, UNITS);
    expect(off.pods).toBeUndefined();
    expect(off.healthz).toBe('ok');
    const garbled = readProbe({ stdout: healthy.replace(pods, '<html>'), exitCode: 0, tail: '' }, UNITS);
    expect(garbled.pods).toBeUndefined();
  });

  it('an exec that failed or ended early: what did not come is unknown, and why is said (never "all fine")', () => {
    const failed = readProbe({ stdout: '', exitCode: 1, tail: 'Error response from daemon: container abc is not running' }, UNITS);
    expect(failed).toEqual({
      system: 'unknown',
      units: { 'docker.service': 'unknown', 'kubelet.service': 'unknown' },
      healthz: undefined,
      pods: undefined,
      manifests: [],
      unread: 'docker exec ended with exit code 1 before the node answered everything: Error response from daemon: container abc is not running',
    });
    const cut = healthy.slice(0, healthy.indexOf('running'));
    const early = readProbe({ stdout: cut, exitCode: 137, tail: '' }, UNITS);
    expect(early.healthz).toBe('ok');
    expect(early.system).toBe('unknown');
    expect(early.units['kubelet.service']).toBe('unknown');
    expect(early.unread).toBe('docker exec ended with exit code 137 before the node answered everything');
  });
});
