import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLock, composeBuildArgs } from './build-node';

describe('composeBuildArgs', () => {
  it('builds only the service by default', () => {
    expect(composeBuildArgs('n', {})).toEqual(['build', 'n']);
  });

  it('maps every option to a compose build flag', () => {
    expect(composeBuildArgs('n', { noCache: true, pull: true, buildArgs: { KUBE_VERSION_GO: '1.25', BINARY_SOURCE: 'local' } })).toEqual([
      'build',
      '--no-cache',
      '--pull',
      '--build-arg',
      'KUBE_VERSION_GO=1.25',
      '--build-arg',
      'BINARY_SOURCE=local',
      'n',
    ]);
  });
});

describe('buildLock: one build of an image at a time on an engine', () => {
  const node = { name: 'n', image: `nx-kubelet-lock-test-${process.pid}:v1`, target: {}, composeProject: 'n-0000' };

  it('a second build waits until the first has ended, then goes on', async () => {
    const release = await buildLock(node);
    const order: string[] = [];
    const second = buildLock(node).then((releaseSecond) => {
      order.push('second');
      releaseSecond();
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    order.push('first ends');
    release();
    await second;
    expect(order).toEqual(['first ends', 'second']);
  });

  it('other images and other engines do not wait', async () => {
    const release = await buildLock(node);
    const others = [buildLock({ ...node, image: `${node.image}-other` }), buildLock({ ...node, target: { host: 'tcp://127.0.0.1:2375' } })];
    for (const releaseOther of await Promise.all(others)) releaseOther();
    release();
  });

  it('takes over the lock of a build whose process is gone', async () => {
    const release = await buildLock(node);
    const lock = readdirSync(tmpdir()).find(
      (file) => file.startsWith('nx-kubelet-build-') && readFileSync(join(tmpdir(), file), 'utf8') === String(process.pid),
    );
    expect(lock).toBeDefined();
    // A process ID that no process has (above the kernel's pid_max).
    writeFileSync(join(tmpdir(), lock!), '99999999');
    const again = await buildLock(node);
    expect(readFileSync(join(tmpdir(), lock!), 'utf8')).toBe(String(process.pid));
    again();
    expect(existsSync(join(tmpdir(), lock!))).toBe(false);
    release(); // no longer ours: leaves nothing, throws nothing
  });
});
