import { engineAdapter } from './engine-adapter';
import { DockerCommandError, dockerArgv } from './docker-cli';
import { IMAGE_INSPECT_FORMAT } from './load';

describe('the engine adapter', () => {
  const docker = engineAdapter({});
  const podman = engineAdapter({ engine: 'podman' });

  it('leaves Docker commands as they are (Docker nodes run exactly what they ran before)', () => {
    expect(dockerArgv({ context: 'edge' }, ['image', 'inspect', '--format', IMAGE_INSPECT_FORMAT, 'a'])).toEqual([
      'docker',
      '--context',
      'edge',
      'image',
      'inspect',
      '--format',
      IMAGE_INSPECT_FORMAT,
      'a',
    ]);
    expect(docker.env({ host: 'tcp://h:2375' }).DOCKER_HOST).toBe('tcp://h:2375');
    expect(docker.composePrefix({ context: 'edge' })).toEqual(['docker', '--context', 'edge', 'compose']);
    expect(docker.composeBuilds).toBe(true);
    expect(docker.healthcheckNow({}, 'c')).toBeUndefined();
    expect(docker.archiveName('app:1')).toBeUndefined();
  });

  it("says Docker's templates in Podman's terms: sha256: IDs, RFC 3339 times; never what exec runs in the node", () => {
    const target = { engine: 'podman' as const };
    expect(dockerArgv(target, ['image', 'inspect', '--format', IMAGE_INSPECT_FORMAT, 'a'])).toEqual([
      'podman',
      'image',
      'inspect',
      '--format',
      'sha256:{{.Id}} {{.Size}} {{.Created.UTC.Format "2006-01-02T15:04:05.999999999Z07:00"}} {{json .RootFS.Layers}}',
      'a',
    ]);
    expect(dockerArgv(target, ['inspect', '--format', '{{.State.StartedAt}}', 'c'])).toEqual([
      'podman',
      'inspect',
      '--format',
      '{{.State.StartedAt.UTC.Format "2006-01-02T15:04:05.999999999Z07:00"}}',
      'c',
    ]);
    const inNode = ['exec', 'c', 'docker', 'image', 'inspect', '--format', IMAGE_INSPECT_FORMAT, 'a'];
    expect(dockerArgv(target, inNode)).toEqual(['podman', ...inNode]);
    expect(dockerArgv(target, ['version', '--format', '{{.Server.Version}}'])).toEqual(['podman', 'info', '--format', '{{.Version.Version}}']);
    expect(dockerArgv(target, ['save', 'a:1', 'b:2'])).toEqual(['podman', 'save', '--multi-image-archive', 'a:1', 'b:2']);
    expect(dockerArgv(target, ['save', 'a:1'])).toEqual(['podman', 'save', 'a:1']);
    expect(dockerArgv({ ...target, host: 'unix:///run/podman/podman.sock' }, ['ps'])).toEqual(['podman', '--url', 'unix:///run/podman/podman.sock', 'ps']);
    expect(podman.env(target).PODMAN_IGNORE_CGROUPSV1_WARNING).toBe('1');
    expect(podman.env(target).PODMAN_COMPOSE_WARNING_LOGS).toBe('false');
    expect(podman.composePrefix(target)).toEqual(['podman', 'compose']);
  });

  it('knows what Podman does differently: missing images, localhost/ names, builds, healthchecks', () => {
    expect(podman.missingImage('Error: app:1: image not known\n', 'app:1')).toBe(true);
    expect(podman.missingImage('Error: app:1: image not known\n', 'app:2')).toBe(false);
    // Anchored: another image whose name ends the same is not this one.
    expect(podman.missingImage('Error: nx/app:1: image not known\n', 'app:1')).toBe(false);
    expect(podman.missingImage('app:1: image not known\nError: nx/app:2: image not known\n', 'app:1')).toBe(true);
    expect(docker.missingImage('Error response from daemon: No such image: app:1', 'app:1')).toBe(true);
    expect(podman.archiveName('app:1')).toBe('localhost/app:1');
    expect(podman.archiveName('nx-kubelet/busybox:1.35.0')).toBe('localhost/nx-kubelet/busybox:1.35.0');
    expect(podman.archiveName('registry.k8s.io/pause:3.10')).toBeUndefined();
    expect(podman.archiveName('localhost:5000/app:1')).toBeUndefined();
    expect(podman.composeBuilds).toBe(false);
    expect(
      podman.buildArgv(
        { engine: 'podman' },
        { context: '/n', dockerfile: '/n/Dockerfile.kicbase', image: 'img:1', args: { A: '1' }, labels: { l: 'v' }, noCache: true, pull: true },
      ),
    ).toEqual([
      'podman',
      'build',
      '--file',
      '/n/Dockerfile.kicbase',
      '--tag',
      'img:1',
      '--label',
      'l=v',
      '--build-arg',
      'A=1',
      '--no-cache',
      '--pull=always',
      '--skip-unused-stages=true',
      '/n',
    ]);
    expect(podman.healthcheckNow({ engine: 'podman' }, 'c')).toEqual(['podman', 'healthcheck', 'run', 'c']);
  });

  it("names the engine's CLI in failures, never what ran in the node", () => {
    const result = (argv: string[]) => ({ exitCode: 1, signal: null, interrupted: false, stdout: '', stderr: '', tail: '', argv });
    expect(new DockerCommandError(result(['podman', 'compose', 'up']), 'docker compose up').message).toMatch(/^podman compose up failed/);
    expect(new DockerCommandError(result(['podman', 'exec', '-i', 'c', 'docker', 'load']), 'docker load in the node').message).toMatch(
      /^docker load in the node failed/,
    );
    expect(new DockerCommandError(result(['docker', 'compose', 'up']), 'docker compose up').message).toMatch(/^docker compose up failed/);
  });
});
