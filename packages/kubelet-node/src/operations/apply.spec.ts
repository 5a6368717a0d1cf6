import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, COMMIT_SCRIPT, diffManifests, NODE_STATE_SCRIPT, reportWait, watchReplaceableFolder, WORKERS_DONE } from './apply';
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

describe('apply.check: file names apply cannot write in the node', () => {
  it('refuses a name with a line break and one too long for its staged copy, before docker', async () => {
    const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n`;
    const dir = mkdtempSync(join(tmpdir(), 'apply-names-'));
    try {
      mkdirSync(join(dir, 'manifests'));
      const node = { name: 'n1', dir, displayDir: 'packages/n1', kubelet: { readOnlyPort: 10255 } } as unknown as NodeContext;
      writeFileSync(join(dir, 'manifests', `${'a'.repeat(236)}.yaml`), pod('long'));
      expect(() => apply.check(node, {})).toThrow('the file name is longer than apply can write in the node (239 bytes): shorten it.');
      rmSync(join(dir, 'manifests', `${'a'.repeat(236)}.yaml`));
      writeFileSync(join(dir, 'manifests', `${'a'.repeat(234)}.yaml`), pod('fits'));
      expect(() => apply.check(node, {})).not.toThrow();
      writeFileSync(join(dir, 'manifests', 'two\nlines.yaml'), pod('lines'));
      expect(() => apply.check(node, {})).toThrow('packages/n1/manifests/"two\\nlines.yaml": a file name with a line break cannot be applied');
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

  it('NODE_STATE_SCRIPT prints the hostname, the pods line (empty when the API is off), then each file and its content in base64', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-state-'));
    try {
      writeFileSync(join(dir, 'web.yaml'), 'kind: Pod\n');
      writeFileSync(join(dir, '.hidden.yaml'), 'skipped');
      const result = await sh(NODE_STATE_SCRIPT, [dir, '{{.Id}}', '-']);
      expect(result.exitCode).toBe(0);
      const [hostname, pods, file, content, end] = result.stdout.split('\n');
      expect(hostname).toBe((await runCommand(['hostname'], { mode: 'capture' })).stdout.trim());
      expect(pods).toBe('');
      expect([file, Buffer.from(content, 'base64').toString(), end]).toEqual(['web.yaml', 'kind: Pod\n', '']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('COMMIT_SCRIPT writes the files from stdin (each by its size), removes, then renames into place (names with spaces and colons too)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-commit-'));
    try {
      writeFileSync(join(dir, 'gone.yaml'), 'g');
      writeFileSync(join(dir, 'web.yaml'), 'old');
      const web = 'kind: Pod # café\n';
      const mine = 'kind: Pod\nmetadata: {name: mine}\n';
      const entries = [`${Buffer.byteLength(web)}:web.yaml`, `${Buffer.byteLength(mine)}:my pod:1.yaml`];
      // No pod names: nothing to wait for (with names it asks the node's dockerd and cgroups, see the day-2 tests).
      const result = await sh(COMMIT_SCRIPT, [dir, '5', '', '', '1', '2', '', 'gone.yaml', ...entries], { input: web + mine, holdStdin: true });
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe('nx-kubelet-committed 0\n');
      expect(readdirSync(dir).sort()).toEqual(['my pod:1.yaml', 'web.yaml']);
      expect(readFileSync(join(dir, 'web.yaml'), 'utf8')).toBe(web);
      expect(readFileSync(join(dir, 'my pod:1.yaml'), 'utf8')).toBe(mine);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('COMMIT_SCRIPT changes nothing when a file gets fewer bytes than its size (a client killed mid-way): exit 4, no staged file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-short-'));
    try {
      writeFileSync(join(dir, 'gone.yaml'), 'g');
      writeFileSync(join(dir, 'web.yaml'), 'old');
      const cut = await sh(COMMIT_SCRIPT, [dir, '5', '', '', '1', '2', '', 'gone.yaml', '4:a.yaml', '48:web.yaml'], { input: 'kinddone' });
      expect(cut.exitCode).toBe(4);
      expect(cut.stderr).toContain('got 4 of 48 bytes: web.yaml left as it was');
      expect(cut.stdout).toBe('nx-kubelet-committed 4\n');
      expect(readdirSync(dir).sort()).toEqual(['gone.yaml', 'web.yaml']);
      expect(readFileSync(join(dir, 'web.yaml'), 'utf8')).toBe('old');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('COMMIT_SCRIPT gives up on contents that do not arrive within its seconds (stdin held open): exit 4, nothing changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-stalled-'));
    try {
      writeFileSync(join(dir, 'web.yaml'), 'old');
      const started = Date.now();
      const stalled = await sh(COMMIT_SCRIPT, [dir, '1', '', '', '0', '1', '', '48:web.yaml'], { input: 'kind', holdStdin: true });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(stalled.exitCode).toBe(4);
      expect(readdirSync(dir)).toEqual(['web.yaml']);
      expect(readFileSync(join(dir, 'web.yaml'), 'utf8')).toBe('old');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("workers_done reads the kubelet's kubelet_working_pods gauge and its count of cgroup removals", async () => {
    // The series as a kubelet prints them on /metrics (labels in Prometheus' order), among others.
    const metrics = (orphans: Record<string, number>, destroys = 7) =>
      [
        '# HELP kubelet_cgroup_manager_duration_seconds [ALPHA] Duration in seconds for cgroup manager operations.',
        '# TYPE kubelet_cgroup_manager_duration_seconds histogram',
        'kubelet_cgroup_manager_duration_seconds_count{operation_type="create"} 9',
        `kubelet_cgroup_manager_duration_seconds_count{operation_type="destroy"} ${destroys}`,
        'kubelet_running_pods 2',
        '# HELP kubelet_working_pods [ALPHA] Number of pods the kubelet is actually running, broken down by lifecycle phase.',
        '# TYPE kubelet_working_pods gauge',
        ...['sync', 'terminating', 'terminated'].flatMap((lifecycle) => [
          `kubelet_working_pods{config="desired",lifecycle="${lifecycle}",static="true"} ${lifecycle === 'sync' ? 2 : 0}`,
          `kubelet_working_pods{config="orphan",lifecycle="${lifecycle}",static="true"} ${orphans[lifecycle] ?? 0}`,
          `kubelet_working_pods{config="orphan",lifecycle="${lifecycle}",static=""} 0`,
          `kubelet_working_pods{config="runtime_only",lifecycle="${lifecycle}",static="unknown"} ${lifecycle === 'terminating' ? 1 : 0}`,
        ]),
        '', // curl's answer ends with a newline; the script adds an empty line and its end line after a complete one
        '# nx-kubelet-end',
      ].join('\n');
    const ask = async (input: string, seen: string, base = '') => {
      const result = await sh(`${WORKERS_DONE}\nworkers_done "$1" "$2"`, [seen, base], { input });
      return { exit: result.exitCode, destroys: result.stdout.trim() };
    };
    // Exit 0: done. Exit 3: done by what the kubelet does last (the caller confirms it on its next look). Exit 1: not yet.
    const answer = async (input: string, seen: string, base = '') => (await ask(input, seen, base)).exit;
    // It prints the count of removals, for a later call's base.
    expect(await ask(metrics({}, 12), '')).toEqual({ exit: 0, destroys: '12' });
    // No orphaned static pod: done; once a cgroup was seen gone, when the next look agrees (its worker may be finishing).
    expect(await answer(metrics({}), '')).toBe(0);
    expect(await answer(metrics({}), '1')).toBe(3);
    // Only terminating ones: their workers removed their own cgroups (no pass has seen them terminated) -- when seen.
    expect(await answer(metrics({ terminating: 1 }), '1')).toBe(3);
    expect(await answer(metrics({ terminating: 1 }), '')).toBe(1);
    // Still syncing: not yet.
    expect(await answer(metrics({ sync: 1 }), '1')).toBe(1);
    // Terminated (housekeeping may have removed its cgroup): only once its worker has removed it once more.
    expect(await answer(metrics({ terminated: 1 }, 7), '1')).toBe(1); // no base yet
    expect(await answer(metrics({ terminated: 1 }, 7), '1', '7')).toBe(1);
    expect(await answer(metrics({ terminated: 1 }, 8), '1', '7')).toBe(3);
    expect(await answer(metrics({ terminated: 2 }, 8), '2', '7')).toBe(1);
    expect(await answer(metrics({ terminated: 2 }, 9), '2', '7')).toBe(3);
    expect(await answer(metrics({ terminated: 1, terminating: 1 }, 8), '2', '7')).toBe(3);
    // More orphans than old pods (another pod removed by the same apply), or a cgroup not seen: the gauge decides.
    expect(await answer(metrics({ terminated: 1, terminating: 1 }, 9), '1', '7')).toBe(1);
    expect(await answer(metrics({ terminated: 1 }, 9), '', '7')).toBe(1);
    // The kubelet did not answer: as before, the cgroups alone decide.
    expect(await answer('', '')).toBe(0);
    // An answer cut off (no end line), anywhere: not yet, and no count to take as a base.
    for (const cut of ['# HELP kubelet_working_pods', 'kubelet_working_pods{config="orphan",lifecycle="sync"', '# nx-kubelet-end']) {
      const partial = metrics({}).split(cut)[0];
      expect(await ask(partial, '1', '7')).toEqual({ exit: 1, destroys: '' });
    }
    expect(await ask('kubelet_cgroup_manager_duration_seconds_count{operation_type="destroy"', '1')).toEqual({ exit: 1, destroys: '' });
    // A complete answer without the gauge (--disabled-metrics=kubelet_working_pods): the cgroups alone decide.
    const withoutGauge = metrics({ terminated: 1 })
      .split('\n')
      .filter((line) => !line.includes('kubelet_working_pods'))
      .join('\n');
    expect(await answer(withoutGauge, '')).toBe(0);
    expect(await answer(withoutGauge, '1')).toBe(3);
  });

  it("COMMIT_SCRIPT's wait asks the kubelet's /metrics until its answer says done, and never takes a cut-off answer for one", async () => {
    // A fake docker names one old pod, a fake find gives it a cgroup (already gone) only in mode "seen" (else no
    // cgroup, no folder on this host: the gauge alone decides) and a fake curl answers /metrics: with an orphan still
    // syncing for the first two looks, then none; or always cut off (exit 28).
    const dir = mkdtempSync(join(tmpdir(), 'apply-wait-'));
    const bin = join(dir, 'bin');
    const folder = join(dir, 'manifests');
    try {
      mkdirSync(bin);
      mkdirSync(folder);
      writeFileSync(join(bin, 'docker'), '#!/bin/sh\n[ "$1" = ps ] && echo nx-kubelet-test-uid-5e1f\nexit 0\n', { mode: 0o755 });
      writeFileSync(join(bin, 'find'), `#!/bin/sh\n[ "$(cat "${dir}/mode")" = seen ] && echo "${dir}/podnx-kubelet-test-uid-5e1f"\nexit 0\n`, {
        mode: 0o755,
      });
      const gauge = (orphans: number) => `# TYPE kubelet_working_pods gauge\nkubelet_working_pods{config="orphan",lifecycle="sync",static="true"} ${orphans}\n`;
      writeFileSync(
        join(bin, 'curl'),
        [
          '#!/bin/sh',
          'for url; do :; done',
          'case $url in */metrics) ;; *) exit 7 ;; esac',
          `looks=$(( $(cat "${dir}/looks" 2>/dev/null || echo 0) + 1 )); echo $looks > "${dir}/looks"`,
          `if [ "$(cat "${dir}/mode")" = cut ]; then printf '%s' '${gauge(0).slice(0, 40)}'; exit 28; fi`,
          `if [ $looks -lt 3 ]; then printf '${gauge(1).replace(/\n/g, '\\n')}'; else printf '${gauge(0).replace(/\n/g, '\\n')}'; fi`,
        ].join('\n') + '\n',
        { mode: 0o755 },
      );
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
      const commit = (seconds: string) =>
        sh(COMMIT_SCRIPT, [folder, seconds, 'http://127.0.0.1:1/pods', '', '1', '1', '', 'web.yaml', '4:web.yaml', 'default/web-n1'], {
          input: 'kind',
          holdStdin: true,
          env,
        });
      const looks = () => Number(readFileSync(join(dir, 'looks'), 'utf8'));

      writeFileSync(join(dir, 'mode'), 'whole');
      writeFileSync(join(folder, 'web.yaml'), 'old');
      const done = await commit('20');
      expect(done.stdout).toContain('nx-kubelet-committed 0');
      expect(looks()).toBe(3);
      expect(readFileSync(join(folder, 'web.yaml'), 'utf8')).toBe('kind');

      // With the cgroup seen gone, "no orphans" holds only when the next look agrees: one look more.
      writeFileSync(join(dir, 'mode'), 'seen');
      writeFileSync(join(dir, 'looks'), '0');
      writeFileSync(join(folder, 'web.yaml'), 'old');
      expect((await commit('20')).stdout).toContain('nx-kubelet-committed 0');
      expect(looks()).toBe(4);
      expect(readFileSync(join(folder, 'web.yaml'), 'utf8')).toBe('kind');

      writeFileSync(join(dir, 'mode'), 'cut');
      writeFileSync(join(dir, 'looks'), '0');
      writeFileSync(join(folder, 'web.yaml'), 'old');
      const started = Date.now();
      const cut = await commit('1');
      // Past its end the wait gives up (exit 3) and still puts the file in place; it kept asking until then.
      expect(cut.stdout).toContain('nx-kubelet-committed 3');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(looks()).toBeGreaterThan(3);
      expect(readFileSync(join(folder, 'web.yaml'), 'utf8')).toBe('kind');
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
