import { followWrapper, journalctlArgs } from './logs';

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
