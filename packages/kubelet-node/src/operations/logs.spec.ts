import { followWrapper, journalctlArgs, pickPodContainer, stopWithStdin } from './logs';

describe('journalctlArgs', () => {
  it.each([
    [{}, ['--no-pager', '--unit', 'kubelet.service']],
    [{ unit: 'cri-docker' as const }, ['--no-pager', '--unit', 'cri-docker.service', '--unit', 'cri-docker.socket']],
    [{ unit: 'docker' as const, tail: 50 }, ['--no-pager', '--unit', 'docker.service', '--lines', '50']],
    [{ unit: 'all' as const, since: '10 min ago', follow: true }, ['--no-pager', '--since', '10 min ago', '--follow']],
  ])('%j → %j', (options, args) => {
    expect(journalctlArgs(options)).toEqual(args);
  });

  it('refuses an unknown unit', () => {
    expect(() => journalctlArgs({ unit: 'etcd' as never })).toThrow('Unknown --unit "etcd": use kubelet, cri-docker, docker or all.');
  });
});

describe('followWrapper', () => {
  it('passes journalctl arguments as positional parameters, not inside the script', () => {
    const argv = followWrapper(['--since', "1 h'; rm -rf /"]);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).not.toContain('rm -rf');
    expect(argv.slice(3)).toEqual(['journalctl', '--since', "1 h'; rm -rf /"]);
  });
});

describe('pickPodContainer', () => {
  const containers = [
    { id: 'c3', pod: 'web-node1', namespace: 'default', container: 'web' },
    { id: 'c2', pod: 'web-node1', namespace: 'default', container: 'POD' },
    { id: 'c1', pod: 'web-node1', namespace: 'default', container: 'web' },
    { id: 'd1', pod: 'two-node1', namespace: 'default', container: 'a' },
    { id: 'd2', pod: 'two-node1', namespace: 'default', container: 'b' },
  ];

  it('takes the newest container of the pod, by manifest name or full name, never the sandbox', () => {
    expect(pickPodContainer(containers, 'web', undefined, 'node1').id).toBe('c3');
    expect(pickPodContainer(containers, 'web-node1', undefined, 'node1').id).toBe('c3');
    expect(pickPodContainer(containers, 'two', 'b', 'node1').id).toBe('d2');
  });

  it('says which containers and pods there are when the choice is unclear or wrong', () => {
    expect(() => pickPodContainer(containers, 'two', undefined, 'node1')).toThrow('Pod two-node1 has the containers a, b: choose one with --container=<name>.');
    expect(() => pickPodContainer(containers, 'two', 'c', 'node1')).toThrow('Pod two-node1 has no container "c" (its containers: a, b).');
    expect(() => pickPodContainer(containers, 'db', undefined, 'node1')).toThrow(
      'No container of a pod "db" in the node (pods with containers: web-node1, two-node1).',
    );
  });
});

describe('stopWithStdin', () => {
  it('passes the command as positional parameters', () => {
    expect(stopWithStdin(['docker', 'logs', "x'; rm -rf /"]).slice(3)).toEqual(['sh', 'docker', 'logs', "x'; rm -rf /"]);
  });
});
