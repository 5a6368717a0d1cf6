import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realDirectoryOutside, realLocation } from './workspace-path';

describe('where a node folder really is', () => {
  let root: string;
  let outside: string;

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'kubelet-node-ws-')));
    outside = realpathSync(mkdtempSync(join(tmpdir(), 'kubelet-node-outside-')));
  });

  afterEach(() => [root, outside].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('a folder that does not exist yet, under plain folders, stays inside', () => {
    mkdirSync(join(root, 'packages'));
    expect(realLocation(join(root, 'packages/n/units'))).toBe(join(root, 'packages/n/units'));
    expect(realDirectoryOutside(root, 'packages/n')).toBeUndefined();
  });

  it('a link on the way to somewhere else: the real location outside', () => {
    symlinkSync(outside, join(root, 'nodes'));
    expect(realDirectoryOutside(root, 'nodes/n')).toBe(join(outside, 'n'));
  });

  it('a dangling link: where a write would land', () => {
    symlinkSync(join(outside, 'gone'), join(root, 'nodes'));
    expect(realDirectoryOutside(root, 'nodes/n')).toBe(join(outside, 'gone', 'n'));
  });

  it('a link that leads back to the root itself is not a folder inside it', () => {
    symlinkSync(root, join(root, 'self'));
    expect(realDirectoryOutside(root, 'self')).toBe(root);
  });

  it('a link inside the workspace, and a workspace reached through a link, stay inside', () => {
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'nodes'));
    expect(realDirectoryOutside(root, 'nodes/n')).toBeUndefined();
    const linkedRoot = join(outside, 'ws');
    symlinkSync(root, linkedRoot);
    expect(realDirectoryOutside(linkedRoot, 'nodes/n')).toBeUndefined();
  });
});
