import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, diffManifests, watchReplaceableFolder } from './apply';
import type { NodeContext } from './node-context';

describe('diffManifests', () => {
  it('sorts files into added, changed, removed and unchanged', () => {
    const host = new Map([['a.yaml', 'A'], ['b.yaml', 'B2'], ['c.yaml', 'C']]);
    const node = new Map([['b.yaml', 'B1'], ['c.yaml', 'C'], ['d.yaml', 'D']]);
    expect(diffManifests(host, node)).toEqual({ added: ['a.yaml'], changed: ['b.yaml'], removed: ['d.yaml'], unchanged: ['c.yaml'] });
  });
});

describe('apply without a manifests/ folder', () => {
  it('refuses (it would otherwise remove every static pod of the node) before it asks docker anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-no-manifests-'));
    try {
      const node = { name: 'n1', dir, displayDir: 'packages/n1', command: (op: string) => `run ${op}` } as unknown as NodeContext;
      await expect(apply(node, {})).rejects.toThrow('packages/n1/manifests does not exist: apply refuses to read that as "no static pods"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('watchReplaceableFolder', () => {
  const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

  it('keeps reporting changes after the folder was deleted and created again', async () => {
    const root = mkdtempSync(join(tmpdir(), 'apply-watch-'));
    const dir = join(root, 'manifests');
    mkdirSync(dir);
    let changes = 0;
    const errors: Error[] = [];
    const unwatch = watchReplaceableFolder(dir, () => changes++, (error) => errors.push(error));
    try {
      writeFileSync(join(dir, 'a.yaml'), 'a');
      await settle();
      expect(changes).toBeGreaterThan(0);
      rmSync(dir, { recursive: true });
      await settle();
      mkdirSync(dir);
      await settle();
      changes = 0;
      writeFileSync(join(dir, 'b.yaml'), 'b');
      await settle();
      expect(changes).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      unwatch();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
