import type { CreateNodesResult } from '@nx/devkit';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createNodes, inferNodeProject, inferNodes, KubeletPluginOptions, normalizePluginOptions, pluginCachePath } from './plugin';

const files =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('inferNodeProject', () => {
  it('gives a folder with Dockerfile.kicbase and compose.yaml the nine targets, named after the folder', () => {
    const result = inferNodeProject('nodes/edge', files('nodes/edge/compose.yaml'));
    const project = result.projects?.['nodes/edge'];
    expect(project?.name).toBe('edge');
    expect(Object.keys(project?.targets ?? {})).toEqual(['build', 'up', 'down', 'logs', 'status', 'shell', 'load', 'apply', 'export-logs', 'report']);
    expect(project?.targets?.up.executor).toBe('nx-kubelet:up');
    expect(project?.metadata?.targetGroups).toEqual({
      'Kubelet node': ['build', 'up', 'down', 'logs', 'status', 'shell', 'load', 'apply', 'export-logs', 'report'],
    });
  });

  it("syncs a matrix's node before the targets that read its manifests (its copies of the matrix's), and only a matrix's node", () => {
    const member = inferNodeProject('m/1-29', files('m/1-29/compose.yaml', 'm/kubelet-matrix.yaml')).projects?.['m/1-29'].targets;
    expect(member?.apply.syncGenerators).toEqual(['nx-kubelet:sync']);
    expect(member?.load.syncGenerators).toEqual(['nx-kubelet:sync']);
    expect(member?.status.syncGenerators).toBeUndefined();
    const plain = inferNodeProject('m/1-29', files('m/1-29/compose.yaml')).projects?.['m/1-29'].targets;
    expect(plain?.apply.syncGenerators).toBeUndefined();
  });

  it('never caches build (an image is not a file) and lists what the image is built from as inputs', () => {
    const build = inferNodeProject('n', files('n/compose.yaml')).projects?.n.targets?.build;
    expect(build?.cache).toBe(false);
    expect(build?.inputs).toEqual([
      '{projectRoot}/Dockerfile.kicbase',
      '{projectRoot}/.dockerignore',
      '{projectRoot}/compose.yaml',
      '{projectRoot}/kubelet.yaml',
      '{projectRoot}/kubelet.conf.d/**/*',
      '{projectRoot}/units/**/*',
      '{projectRoot}/manifests/**/*',
      '{projectRoot}/bin/**/*',
    ]);
    expect(build?.syncGenerators).toEqual(['nx-kubelet:sync']);
  });

  it('uses the target names from the plugin options', () => {
    const targets = inferNodeProject('n', files('n/compose.yaml'), { buildTargetName: 'image', upTargetName: 'start' }).projects?.n.targets;
    expect(Object.keys(targets ?? {})).toEqual(['image', 'start', 'down', 'logs', 'status', 'shell', 'load', 'apply', 'export-logs', 'report']);
    // up builds the node's image itself (no task of the node's runs first, whatever the targets are called); it runs
    // after the image builds of the projects it depends on (those that declare images its manifests run), and carries
    // the sync check as build does.
    expect(targets?.start.dependsOn).toEqual([{ target: 'docker:build', dependencies: true }]);
    expect(targets?.start.syncGenerators).toEqual(['nx-kubelet:sync']);
    expect(targets?.load.dependsOn).toEqual([{ target: 'docker:build', dependencies: true }]);
    expect(targets?.apply.dependsOn).toEqual([{ target: 'docker:build', dependencies: true }]);
    const custom = inferNodeProject('n', files('n/compose.yaml'), { imageBuildTargetName: 'container' }).projects?.n.targets;
    expect(custom?.apply.dependsOn).toEqual([{ target: 'container', dependencies: true }]);
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
    expect(normalizePluginOptions(undefined)).toEqual({
      build: 'build',
      up: 'up',
      down: 'down',
      logs: 'logs',
      status: 'status',
      shell: 'shell',
      load: 'load',
      apply: 'apply',
      'export-logs': 'export-logs',
      report: 'report',
    });
  });
});

describe('createNodes results cache', () => {
  let root: string;
  const node = (dir: string, ...files: string[]) => {
    mkdirSync(join(root, dir), { recursive: true });
    for (const file of ['Dockerfile.kicbase', ...files]) writeFileSync(join(root, dir, file), '');
  };
  const configFiles = (...dirs: string[]) => dirs.map((dir) => `${dir}/Dockerfile.kicbase`);
  const fresh = (files: string[], options?: KubeletPluginOptions) =>
    files.map((file) => [file, inferNodeProject(dirname(file), (path) => existsSync(join(root, path)), options)]);
  const readCacheFile = (options?: KubeletPluginOptions) => JSON.parse(readFileSync(pluginCachePath(root, options), 'utf8'));
  /** Marks every cached result, so that a result read from the cache can be told from a computed one. */
  const markCache = (options?: KubeletPluginOptions) => {
    const content = readCacheFile(options);
    for (const result of Object.values<CreateNodesResult>(content.entries)) {
      for (const project of Object.values(result.projects ?? {})) project.metadata = { ...project.metadata, marked: true };
    }
    writeFileSync(pluginCachePath(root, options), JSON.stringify(content));
  };
  const marked = (results: [string, CreateNodesResult][]) => results.map(([, result]) => Object.values(result.projects ?? {})[0]?.metadata?.marked === true);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-kubelet-plugin-cache-'));
    node('nodes/a', 'compose.yaml', 'project.json');
    node('nodes/b', 'compose.yaml');
    node('nodes/c');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    delete process.env.NX_CACHE_PROJECT_GRAPH;
    delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
  });

  it('returns what inferNodeProject computes and keeps it in .nx/workspace-data, keyed by the options', async () => {
    const files = configFiles('nodes/a', 'nodes/b', 'nodes/c');
    const results = await createNodes[1](files, undefined, { workspaceRoot: root, nxJsonConfiguration: {} });
    expect(results).toEqual(fresh(files));
    expect(pluginCachePath(root, undefined)).toMatch(new RegExp(`^${root}/\\.nx/workspace-data/nx-kubelet-[0-9a-f]+\\.hash$`));
    expect(Object.keys(readCacheFile().entries)).toHaveLength(3);
    expect(pluginCachePath(root, { buildTargetName: 'image' })).not.toBe(pluginCachePath(root, undefined));
    // nx's defaults spelled out are the same options
    expect(pluginCachePath(root, { buildTargetName: 'build' })).toBe(pluginCachePath(root, undefined));
  });

  it('answers from the cache when the files are the same, and does not rewrite it', () => {
    const files = configFiles('nodes/a', 'nodes/b', 'nodes/c');
    inferNodes(files, undefined, root);
    markCache();
    const before = readFileSync(pluginCachePath(root, undefined), 'utf8');
    expect(marked(inferNodes(files, undefined, root))).toEqual([true, true, false]);
    expect(readFileSync(pluginCachePath(root, undefined), 'utf8')).toBe(before);
  });

  it('recomputes a node whose compose file appears, disappears or changes name, or that gets a project.json', () => {
    const files = configFiles('nodes/a', 'nodes/b', 'nodes/c');
    inferNodes(files, undefined, root);
    markCache();
    rmSync(join(root, 'nodes/a/compose.yaml'));
    writeFileSync(join(root, 'nodes/a/docker-compose.yml'), '');
    writeFileSync(join(root, 'nodes/b/project.json'), '{}');
    writeFileSync(join(root, 'nodes/c/compose.yml'), '');
    const results = inferNodes(files, undefined, root);
    expect(marked(results)).toEqual([false, false, false]);
    expect(results).toEqual(fresh(files));
    expect(results[2][1].projects?.['nodes/c']?.targets?.build.options).toEqual({ composeFile: 'compose.yml' });

    markCache();
    rmSync(join(root, 'nodes/c/compose.yml'));
    const again = inferNodes(files, undefined, root);
    expect(marked(again)).toEqual([true, true, false]);
    expect(again[2][1]).toEqual({});
  });

  it('recomputes when the options change', () => {
    const files = configFiles('nodes/a');
    inferNodes(files, undefined, root);
    markCache();
    const options = { buildTargetName: 'image' };
    const results = inferNodes(files, options, root);
    expect(marked(results)).toEqual([false]);
    expect(results).toEqual(fresh(files, options));
  });

  it('recomputes after a plugin upgrade (another version in package.json)', () => {
    const files = configFiles('nodes/a');
    inferNodes(files, undefined, root);
    markCache();
    jest.isolateModules(() => {
      const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
      jest.doMock('node:fs', () => ({
        ...fs,
        readFileSync: (path: string, ...rest: unknown[]) =>
          String(path).endsWith('package.json') ? JSON.stringify({ version: '99.0.0' }) : (fs.readFileSync as (...args: unknown[]) => unknown)(path, ...rest),
      }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const upgraded = require('./plugin') as typeof import('./plugin');
      expect(marked(upgraded.inferNodes(files, undefined, root))).toEqual([false]);
    });
    jest.dontMock('node:fs');
  });

  it('keeps only the entries of this run: a removed node leaves the cache', () => {
    inferNodes(configFiles('nodes/a', 'nodes/b'), undefined, root);
    inferNodes(configFiles('nodes/a'), undefined, root);
    expect(Object.keys(readCacheFile().entries)).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"format": "1", "entries": {'],
    ['not an object', 'null'],
    ['another format', JSON.stringify({ format: '0', entries: {} })],
    ['entries of the wrong type', JSON.stringify({ format: '1', entries: [1, 2] })],
  ])('ignores a cache file that is %s, and replaces it', (_, content) => {
    const files = configFiles('nodes/a', 'nodes/b');
    mkdirSync(dirname(pluginCachePath(root, undefined)), { recursive: true });
    writeFileSync(pluginCachePath(root, undefined), content);
    expect(inferNodes(files, undefined, root)).toEqual(fresh(files));
    expect(Object.keys(readCacheFile().entries)).toHaveLength(2);
  });

  it('ignores entries of another cache format', () => {
    const files = configFiles('nodes/a');
    inferNodes(files, undefined, root);
    markCache();
    const content = readCacheFile();
    writeFileSync(pluginCachePath(root, undefined), JSON.stringify({ ...content, format: 'other' }));
    expect(marked(inferNodes(files, undefined, root))).toEqual([false]);
  });

  it("does not read the cache with NX_CACHE_PROJECT_GRAPH=false, as Nx's own plugins", () => {
    const files = configFiles('nodes/a');
    inferNodes(files, undefined, root);
    markCache();
    process.env.NX_CACHE_PROJECT_GRAPH = 'false';
    expect(marked(inferNodes(files, undefined, root))).toEqual([false]);
  });

  it('follows NX_WORKSPACE_DATA_DIRECTORY, and a cache that cannot be written changes nothing', () => {
    process.env.NX_WORKSPACE_DATA_DIRECTORY = 'elsewhere/data';
    expect(pluginCachePath(root, undefined).startsWith(join(root, 'elsewhere/data/'))).toBe(true);
    writeFileSync(join(root, 'elsewhere'), 'a file where the directory should be');
    const files = configFiles('nodes/a', 'nodes/b');
    expect(inferNodes(files, undefined, root)).toEqual(fresh(files));
  });
});
