import { composeBuildArgs } from './build-node';

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
