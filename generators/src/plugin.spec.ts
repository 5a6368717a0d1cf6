import { inferNodeProject, normalizePluginOptions } from './plugin';

const files = (...paths: string[]) => (path: string) => paths.includes(path);

describe('inferNodeProject', () => {
  it('gives a folder with Dockerfile.kicbase and compose.yaml the six targets, named after the folder', () => {
    const result = inferNodeProject('nodes/edge', files('nodes/edge/compose.yaml'));
    const project = result.projects?.['nodes/edge'];
    expect(project?.name).toBe('edge');
    expect(Object.keys(project?.targets ?? {})).toEqual(['build', 'up', 'down', 'logs', 'status', 'shell']);
    expect(project?.targets?.up.executor).toBe('nx-kubelet:up');
    expect(project?.metadata?.targetGroups).toEqual({ 'Kubelet node': ['build', 'up', 'down', 'logs', 'status', 'shell'] });
  });

  it('never caches build (an image is not a file) and lists what the image is built from as inputs', () => {
    const build = inferNodeProject('n', files('n/compose.yaml')).projects?.n.targets?.build;
    expect(build?.cache).toBe(false);
    expect(build?.inputs).toEqual([
      '{projectRoot}/Dockerfile.kicbase',
      '{projectRoot}/.dockerignore',
      '{projectRoot}/compose.yaml',
      '{projectRoot}/kubelet.yaml',
      '{projectRoot}/units/**/*',
      '{projectRoot}/manifests/**/*',
      '{projectRoot}/bin/**/*',
    ]);
    expect(build?.syncGenerators).toEqual(['nx-kubelet:sync']);
  });

  it('uses the target names from the plugin options', () => {
    const targets = inferNodeProject('n', files('n/compose.yaml'), { buildTargetName: 'image', upTargetName: 'start' }).projects?.n.targets;
    expect(Object.keys(targets ?? {})).toEqual(['image', 'start', 'down', 'logs', 'status', 'shell']);
  });

  it('passes another compose file name to the executors', () => {
    const targets = inferNodeProject('n', files('n/docker-compose.yml')).projects?.n.targets;
    expect(targets?.build.options).toEqual({ composeFile: 'docker-compose.yml' });
    expect(targets?.build.inputs).toContain('{projectRoot}/docker-compose.yml');
  });

  it('leaves the name to project.json when there is one, and ignores a Dockerfile.kicbase without compose file', () => {
    expect(inferNodeProject('n', files('n/compose.yaml', 'n/project.json')).projects?.n.name).toBeUndefined();
    expect(inferNodeProject('n', files())).toEqual({});
  });

  it('normalizes options once, with every target named', () => {
    expect(normalizePluginOptions(undefined)).toEqual({ build: 'build', up: 'up', down: 'down', logs: 'logs', status: 'status', shell: 'shell' });
  });
});
