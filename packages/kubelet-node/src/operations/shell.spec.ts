import { shellArgs } from './shell';

describe('shellArgs', () => {
  it('opens an interactive login shell with a TTY on a terminal', () => {
    expect(shellArgs('n', {}, true)).toEqual(['exec', 'n', 'bash', '-l']);
  });

  it('runs a command without a TTY when there is no terminal', () => {
    expect(shellArgs('n', { command: 'systemctl is-active kubelet' }, false)).toEqual(['exec', '-T', 'n', 'bash', '-lc', 'systemctl is-active kubelet']);
  });
});
