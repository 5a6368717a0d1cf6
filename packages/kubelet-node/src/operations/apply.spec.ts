import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, COMMIT_SCRIPT, diffManifests, reportWait, STAGE_FILE_SCRIPT, watchReplaceableFolder } from './apply';
import { runCommand } from './docker-cli';
import { endsWhenStdinCloses } from './node-probe';
import type { NodeContext } from './node-context';

describe('diffManifests', () => {
  it('sorts files into added, changed, removed and unchanged', () => {
    const host = new Map([
      ['a.yaml', 'A'],
      ['b.yaml', 'B2'],
      ['c.yaml', 'C'],
    ]);
    const node = new Map([
      ['b.yaml', 'B1'],
      ['c.yaml', 'C'],
      ['d.yaml', 'D'],
    ]);
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
    const unwatch = watchReplaceableFolder(
      dir,
      () => changes++,
      (error) => errors.push(error),
    );
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

describe('scripts run in the node (run here with the local sh)', () => {
  const sh = (script: string, args: string[], options: Parameters<typeof runCommand>[1] = {}) =>
    runCommand(['sh', '-c', script, 'sh', ...args], { mode: 'capture', ...options });

  it('STAGE_FILE_SCRIPT stages only a file with every byte, as a dotfile; a short input leaves the old file and nothing staged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-write-'));
    try {
      writeFileSync(join(dir, 'web.yaml'), 'old');
      const text = 'kind: Pod # café\n';
      const size = String(Buffer.byteLength(text));
      expect((await sh(STAGE_FILE_SCRIPT, [dir, 'web.yaml', size], { input: text })).exitCode).toBe(0);
      expect(readFileSync(join(dir, '.web.yaml.nx-kubelet-new'), 'utf8')).toBe(text);
      expect(readFileSync(join(dir, 'web.yaml'), 'utf8')).toBe('old');
      const cut = await sh(STAGE_FILE_SCRIPT, [dir, 'web.yaml', String(Number(size) + 40)], { input: 'kind: Po' });
      expect(cut.exitCode).toBe(4);
      expect(cut.stderr).toContain(`got 8 of ${Number(size) + 40} bytes`);
      expect(readFileSync(join(dir, 'web.yaml'), 'utf8')).toBe('old');
      expect(readdirSync(dir)).toEqual(['web.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('COMMIT_SCRIPT removes files first, then renames the staged ones into place (names with spaces too)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-commit-'));
    try {
      writeFileSync(join(dir, 'gone.yaml'), 'g');
      writeFileSync(join(dir, 'web.yaml'), 'old');
      writeFileSync(join(dir, '.web.yaml.nx-kubelet-new'), 'new');
      writeFileSync(join(dir, '.my pod.yaml.nx-kubelet-new'), 'mine');
      // No pod names: nothing to wait for (with names it asks the node's dockerd and cgroups, see the day-2 tests).
      const result = await sh(COMMIT_SCRIPT, [dir, '5', '', '', '2', '2', '', 'gone.yaml', 'web.yaml', 'web.yaml', 'my pod.yaml'], { holdStdin: true });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe('nx-kubelet-committed 0\n');
      expect(readdirSync(dir).sort()).toEqual(['my pod.yaml', 'web.yaml']);
      expect(readFileSync(join(dir, 'web.yaml'), 'utf8')).toBe('new');
      expect(readFileSync(join(dir, 'my pod.yaml'), 'utf8')).toBe('mine');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('COMMIT_SCRIPT (and any endsWhenStdinCloses script) ends when its stdin closes, passing arguments and exit status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-stdin-'));
    const beat = join(dir, 'beat');
    try {
      expect(COMMIT_SCRIPT).toContain('cat >/dev/null; kill "$job"');
      expect((await sh(endsWhenStdinCloses('[ "$1" = a ] && exit 3'), ['a'], { holdStdin: true })).exitCode).toBe(3);
      const started = Date.now();
      const looped = await sh(endsWhenStdinCloses('while :; do date +%s%N > "$1"; sleep 0.1; done'), [beat], {
        holdStdin: true,
        onSpawn: (child) => setTimeout(() => child.stdin?.end(), 500),
      });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(looped.exitCode).not.toBe(0);
      const last = readFileSync(beat, 'utf8');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(readFileSync(beat, 'utf8')).toBe(last);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reportWait with the read-only port off', () => {
  it('skips the wait with a note and succeeds, asking docker nothing', async () => {
    const node = {
      name: 'n1',
      target: { command: '/nonexistent/docker' },
      kubelet: { healthzPort: 10248, readOnlyPort: 0 },
      command: (op: string) => `run ${op}`,
    } as unknown as NodeContext;
    await expect(reportWait(node, 'c1', { running: [{ name: 'web', namespace: 'default' }], gone: [] }, 1000)).resolves.toBe(true);
  });
});
