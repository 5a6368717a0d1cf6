import { parseImageInspect, sameImage, sourceEngine } from './load';
import type { NodeContext } from './node-context';

describe('image identity across image stores', () => {
  const layers = '["sha256:724a5d03","sha256:9f2c1e7a"]';
  const created = '2026-11-25T15:27:18.130930317Z';
  // The same image: the host's containerd store names it by its index digest, the node's classic store by its config digest.
  const host = parseImageInspect(`sha256:index0001 1984241 ${created} ${layers}\n`);
  const inNode = parseImageInspect(`sha256:config0002 1984241 ${created} ${layers}\n`);

  it('reads id, size and content from the inspect line', () => {
    expect(host).toEqual({ id: 'sha256:index0001', size: 1984241, content: `${created} ${layers}` });
    expect(parseImageInspect('')).toBeUndefined();
  });

  it('counts an image as present when the IDs differ only because the stores differ', () => {
    expect(sameImage(host, inNode)).toBe(true);
    expect(sameImage(host, { ...host!, content: 'other' })).toBe(true);
  });

  it('tells different images apart: other layers or another build of the same layers', () => {
    expect(sameImage(host, parseImageInspect(`sha256:config0003 1984241 ${created} ["sha256:724a5d03"]`))).toBe(false);
    expect(sameImage(host, parseImageInspect(`sha256:config0004 1984241 2026-11-26T08:00:00Z ${layers}`))).toBe(false);
    expect(sameImage(host, undefined)).toBe(false);
    expect(sameImage(undefined, inNode)).toBe(false);
  });
});

describe('sourceEngine', () => {
  it("is the user's own engine (no context, no DOCKER_HOST of its own), also for a node on another engine", () => {
    const node = { target: { context: 'edge-a' } } as unknown as NodeContext;
    expect(sourceEngine(node)).toEqual({ command: undefined });
    expect(sourceEngine({ target: { host: 'ssh://box' } } as unknown as NodeContext)).toEqual({ command: undefined });
  });
});
