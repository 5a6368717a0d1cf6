import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { declaredImages, imageDependencies } from './image-dependencies';

describe('imageDependencies', () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const pod = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: ${image}\n`;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'image-deps-'));
    for (const node of ['nodes/edge', 'nodes/other']) {
      write(`${node}/Dockerfile.kicbase`, 'FROM x\n');
      write(`${node}/compose.yaml`, 'services: {}\n');
    }
    write('nodes/edge/manifests/api.yaml', pod('docker.io/acme/api:dev'));
    write('nodes/edge/manifests/broken.yaml', 'kind: Deployment\n');
    write('nodes/other/manifests/web.yaml', pod('nginx:1.27'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const projects = () => ({
    edge: { root: 'nodes/edge' },
    other: { root: 'nodes/other' },
    api: { root: 'apps/api', metadata: { 'nx-kubelet': { images: ['acme/api:dev'] } } },
    // Builds an image no manifest runs, and one that is only guessed (a Dockerfile, no declaration): no edge.
    web: { root: 'apps/web', metadata: { 'nx-kubelet': { images: ['acme/web:dev'] } } },
    guessed: { root: 'apps/nginx' },
  });

  it('links a node to the project that declares an image its manifests run, and nothing else', () => {
    expect(imageDependencies(projects(), root)).toEqual([{ source: 'edge', target: 'api', type: 'implicit' }]);
  });

  it('follows manifest edits: no image, no edge', () => {
    write('nodes/edge/manifests/api.yaml', pod('acme/api:other'));
    expect(imageDependencies(projects(), root)).toEqual([]);
  });

  it('skips a dangling symbolic link in a manifests folder: the graph never breaks on it', () => {
    symlinkSync('gone.yaml', join(root, 'nodes/edge/manifests/dangling.yaml'));
    expect(imageDependencies(projects(), root)).toEqual([{ source: 'edge', target: 'api', type: 'implicit' }]);
  });

  it('reads declarations tolerantly and normalizes them', () => {
    expect(declaredImages({ metadata: { 'nx-kubelet': { images: ['docker.io/library/nginx', 3, ''] } } as never })).toEqual(['nginx:latest']);
    expect(declaredImages({ metadata: { 'nx-kubelet': { images: 'acme/api:dev' } } as never })).toEqual([]);
    expect(declaredImages({})).toEqual([]);
  });
});
