/**
 * `apply`: the node's `manifests/` into its running kubelet's static pod folder, without a rebuild. The kubelet
 * watches that folder itself; apply only has to put files there the way the kubelet can read them: each new or
 * changed file is written under a dot-name in the same folder (the kubelet ignores dotfiles) and renamed into place
 * (a rename within a folder is atomic, so the kubelet never reads half a file), removed files are removed, unchanged
 * ones are not touched (an identical rewrite would restart nothing, but costs a watch event). Then it waits until
 * the affected pods are Running, or reports the kubelet's reason. `build` still bakes manifests/ into the image, so
 * a rebuilt node starts with the same pods.
 */
import { existsSync, FSWatcher, watch as watchFolder } from 'node:fs';
import { basename, dirname } from 'node:path';
import { log } from './log';
import { DockerCommandError, runDocker } from './docker-cli';
import { loadImages, runningContainer } from './load';
import { manifestImages, parseManifest, samePod, StaticPod } from '../core/manifests';
import { DockerConnectionOptions, NodeContext, NodeDescription, nodeManifests, nodeName } from './node-context';
import { endsWhenStdinCloses, journalTail } from './node-probe';
import { PodRef, PodWait, readPods, summarizePod, waitForPods, findPod } from './pods';
import { Progress } from './progress';

export interface ApplyOptions extends DockerConnectionOptions {
  /** Keep applying on every change of manifests/ until Ctrl-C. @default false */
  watch?: boolean;
  /** Wait until the affected pods are Running. @default true */
  wait?: boolean;
  /** Seconds to wait for the pods. @default 120 */
  timeout?: number;
  /** Load the manifests' images (and the pause image) from the host's engine when the node lacks them. @default true */
  load?: boolean;
}

/** What one apply changes, by file name (pure, unit-tested). */
export interface ManifestChanges {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

export function diffManifests(host: Map<string, string>, node: Map<string, string>): ManifestChanges {
  const changes: ManifestChanges = { added: [], changed: [], removed: [], unchanged: [] };
  for (const [file, text] of host) {
    if (!node.has(file)) changes.added.push(file);
    else if (node.get(file) !== text) changes.changed.push(file);
    else changes.unchanged.push(file);
  }
  for (const file of node.keys()) if (!host.has(file)) changes.removed.push(file);
  return changes;
}

/** `apply`, once or (with --watch) on every change until Ctrl-C. */
export async function apply(node: NodeContext, options: ApplyOptions): Promise<boolean> {
  apply.check(node, options);
  if (!options.watch) return applyOnce(node, options);
  return watchManifests(node, options);
}

/**
 * Lists the node's static pod folder with each file's content, in one `docker exec`: a name line, then the
 * content in base64 on one line (dotfiles are skipped, as the kubelet skips them).
 */
export const READ_FOLDER_SCRIPT = [
  'cd "$1" 2>/dev/null || exit 0',
  'for f in *; do',
  '  [ -f "$f" ] || continue',
  '  printf "%s\\n" "$f"; base64 -w0 < "$f"; printf "\\n"',
  'done',
].join('\n');

/**
 * Waits (at most `$1` seconds) until the kubelet has let go of every earlier pod of each name given (`namespace/pod`,
 * the kubelet's pod names): the node dockerd's k8s containers name their pod's UID, and the kubelet removes
 * `/var/lib/kubelet/pods/<uid>` when it is done with that pod. If it waited, one housekeeping period (2 s) more, in
 * which the kubelet forgets the finished pod. See {@link applyOnce} for why.
 *
 * That `sleep 2.1` is the one fixed wait left, on purpose: after the pod's folder is gone, what the new pod still waits
 * for is the kubelet's housekeeping pass dropping the old pod's worker, and nothing a node shows by default changes
 * then. The read-only API's /pods has dropped the old pod already (when its file went), the folder is gone, the
 * containers are gone; the kubelet's own message about it is logged at -v=4 only, and its working-pods gauge is
 * served only where the read-only port is on (a node may turn it off; the stand-in kubelet of the tests has none).
 * Polling any of those would end too early (the 10-15 s back-off this avoids) or never. The sleep runs only when the
 * kubelet had an earlier pod to let go of.
 */
export const WAIT_FOR_PREDECESSORS_SCRIPT = endsWhenStdinCloses(
  [
    'end=$(( $(date +%s) + $1 )); shift',
    'waited=',
    'for pod in "$@"; do',
    '  uids=$(docker ps --all --filter "label=io.kubernetes.pod.namespace=${pod%%/*}" --filter "label=io.kubernetes.pod.name=${pod#*/}" --format \'{{.Label "io.kubernetes.pod.uid"}}\' | sort -u)',
    '  for uid in $uids; do',
    '    while [ -d "/var/lib/kubelet/pods/$uid" ]; do waited=1; [ "$(date +%s)" -gt "$end" ] && exit 3; sleep 0.2; done',
    '  done',
    'done',
    'if [ -n "$waited" ]; then sleep 2.1; fi',
  ].join('\n'),
);

/**
 * Writes stdin to `$1/$2` atomically: a dot-named temporary file in the same folder, then a rename, only when it got
 * all `$3` bytes. A client that is killed closes our stdin as if the input had ended: half a manifest must not be
 * renamed into place (exit 4, the temporary file removed).
 */
export const WRITE_FILE_SCRIPT = [
  'set -e; mkdir -p "$1"; cd "$1"; tmp=".$2.nx-kubelet-tmp"',
  'cat > "$tmp"',
  'size=$(wc -c < "$tmp" | tr -d " ")',
  'if [ "$size" != "$3" ]; then rm -f "$tmp"; echo "got $size of $3 bytes: $2 left as it was" >&2; exit 4; fi',
  'mv -f "$tmp" "$2"',
].join('\n');

/**
 * Before docker: manifests/ exists and every manifest in it is valid (an invalid file changes nothing in the node).
 * With --watch, a later invalid file is reported and waited out instead.
 */
apply.check = (node: NodeDescription, _options: ApplyOptions): void => {
  const manifests = nodeManifests(node);
  if (!manifests.exists()) {
    throw new Error(
      `${manifests.shown} does not exist: apply refuses to read that as "no static pods" (it would remove every pod from ${node.name}). Restore the folder; to remove every pod, leave it empty.`,
    );
  }
  manifests.read();
};

export async function readNodeFolder(node: NodeContext, id: string, folder: string): Promise<Map<string, string>> {
  const result = await runDocker(node.target, ['exec', id, 'sh', '-c', READ_FOLDER_SCRIPT, 'sh', folder], { mode: 'capture' });
  if (result.exitCode !== 0) throw new DockerCommandError(result, `reading ${folder} in the node`);
  const lines = result.stdout.split('\n');
  const files = new Map<string, string>();
  for (let index = 0; index + 1 < lines.length; index += 2) {
    if (lines[index]) files.set(lines[index], Buffer.from(lines[index + 1], 'base64').toString('utf8'));
  }
  return files;
}

async function applyOnce(node: NodeContext, options: ApplyOptions, cancelled?: () => boolean): Promise<boolean> {
  // Checked before anything is touched: an invalid file changes nothing in the node.
  const manifests = nodeManifests(node);
  if (!manifests.exists()) {
    throw new Error(
      `${manifests.shown} does not exist: apply refuses to read that as "no static pods" (it would remove every pod from ${node.name}). Restore the folder; to remove every pod, leave it empty.`,
    );
  }
  const pods = manifests.read();
  const id = await runningContainer(node);
  const folder = node.kubelet.staticPodPath;
  const inNode = await readNodeFolder(node, id, folder);
  const changes = diffManifests(new Map(pods.map((pod) => [pod.file, pod.text])), inNode);
  const touched = [...changes.added, ...changes.changed];
  if (touched.length === 0 && changes.removed.length === 0) {
    log.info(`${node.name}: ${folder} already matches manifests/ (${changes.unchanged.length} unchanged): nothing to apply.`);
    return true;
  }
  const byFile = new Map(pods.map((pod) => [pod.file, pod]));
  const touchedPods = touched.map((file) => byFile.get(file)!);
  if (options.load !== false) {
    const pause = node.pauseImage;
    await loadImages(node, id, [...new Set([...manifestImages(touchedPods), ...(pause ? [pause] : [])])], { required: false, quiet: true });
  }
  const { wait, replaced, host } = await podsToWaitFor(node, id, touchedPods, changes, inNode);

  // Removed first: a pod that moves to another file must not exist twice (the kubelet would run one of them).
  // A changed pod is a new pod to the kubelet (its UID is a hash of the manifest) with the old one's name, and the
  // kubelet starts it only once the old one is gone: written at once, the new pod's first start attempt comes too
  // early and is retried only after a back-off of 10-15 s. So its old file goes first, and every new or changed pod
  // is written once the kubelet has let go of any earlier pod of its name (also one removed by a previous apply a
  // moment ago) and run one more housekeeping pass (measured: a changed pod Running after ~8 s instead of ~18 s;
  // tools/bench/day2.js).
  const removals = [...changes.removed, ...replaced];
  if (removals.length) {
    const removed = await runDocker(node.target, ['exec', id, 'sh', '-c', 'cd "$1" && shift && rm -f -- "$@"', 'sh', folder, ...removals], { mode: 'capture' });
    if (removed.exitCode !== 0) throw new DockerCommandError(removed, `removing manifests from ${folder} in the node`);
  }
  if (touchedPods.length) {
    const seconds = String(Math.max(1, Math.round(options.timeout ?? 120)));
    const names = touchedPods.map((pod) => `${pod.namespace}/${pod.name}-${host}`);
    // A timeout here is no failure: the kubelet still gets there, later; the pod wait below reports what happens.
    // --interactive with stdin held open: on Ctrl-C stdin closes and the loop in the node ends (docker exec would not).
    const waited = await runDocker(node.target, ['exec', '--interactive', id, 'sh', '-c', WAIT_FOR_PREDECESSORS_SCRIPT, 'sh', seconds, ...names], {
      mode: 'capture',
      holdStdin: true,
    });
    if (waited.interrupted) throw new Error(`interrupted while applying to ${node.name}: nothing new was written (removed files stay removed; apply again).`);
  }
  for (const pod of touchedPods) {
    const size = String(Buffer.byteLength(pod.text));
    const written = await runDocker(node.target, ['exec', '--interactive', id, 'sh', '-c', WRITE_FILE_SCRIPT, 'sh', folder, pod.file, size], {
      mode: 'capture',
      input: pod.text,
    });
    if (written.exitCode !== 0) throw new DockerCommandError(written, `writing ${folder}/${pod.file} in the node`);
  }
  const summary = [
    ...changes.added.map((file) => `+ ${file}`),
    ...changes.changed.map((file) => `~ ${file}`),
    ...changes.removed.map((file) => `- ${file}`),
  ].join(', ');
  log.info(`${node.name}: applied ${summary} to ${folder}${changes.unchanged.length ? ` (${changes.unchanged.length} unchanged)` : ''}`);
  if (options.wait === false || (wait.running.length === 0 && wait.gone.length === 0)) return true;
  return reportWait(node, id, wait, (options.timeout ?? 120) * 1000, { cancelled });
}

/**
 * Which pods the apply affects: added files' pods must come up; changed files' pods must come up in their new
 * version (a different config hash), unless only comments or formatting changed; removed files' pods must go.
 */
async function podsToWaitFor(
  node: NodeContext,
  id: string,
  touched: StaticPod[],
  changes: ManifestChanges,
  inNode: Map<string, string>,
): Promise<{ wait: PodWait; replaced: string[]; host: string }> {
  const wait: PodWait = { running: [], gone: [] };
  /** Files of changed pods that the kubelet must replace (not only reformatted): removed before they are written. */
  const replaced: string[] = [];
  const before = (await readPods(node, id)) ?? [];
  const host = await nodeName(node, id);
  const oldPod = (file: string): StaticPod | undefined => {
    try {
      return parseManifest(file, inNode.get(file) ?? '');
    } catch {
      return undefined; // the node had a file the kubelet could not read either
    }
  };
  for (const pod of touched) {
    const previous = changes.changed.includes(pod.file) ? oldPod(pod.file) : undefined;
    if (previous && (previous.name !== pod.name || previous.namespace !== pod.namespace)) wait.gone.push(ref(previous));
    if (previous && previous.name === pod.name && previous.namespace === pod.namespace) {
      if (samePod(previous.object, pod.object)) continue; // the kubelet sees the same pod: nothing restarts
      const current = findPod(before, ref(pod), host);
      wait.running.push({ ...ref(pod), notHash: current ? summarizePod(current).configHash : undefined });
      replaced.push(pod.file);
    } else {
      wait.running.push(ref(pod));
    }
  }
  for (const file of changes.removed) {
    const previous = oldPod(file);
    if (previous && !touched.some((pod) => pod.name === previous.name && pod.namespace === previous.namespace)) wait.gone.push(ref(previous));
  }
  return { wait, replaced, host };
}

function ref(pod: StaticPod): PodRef {
  return { name: pod.name, namespace: pod.namespace };
}

/** Waits for the pods with a progress line; prints each pod's state and, on failure, what to look at. */
export async function reportWait(
  node: NodeContext,
  id: string,
  wait: PodWait,
  timeoutMs: number,
  { cancelled, startedAt }: { cancelled?: () => boolean; startedAt?: number } = {},
): Promise<boolean> {
  if (!node.kubelet.readOnlyPort) {
    // The pods' state comes from the read-only API; off (as the node README's hardening advice suggests) is no failure.
    log.info(
      `${node.name}: not waiting for the pods: the kubelet's read-only port is off (readOnlyPort in kubelet.yaml), where their state comes from. ${node.command('export-logs')} collects the containers (crictl-ps.txt).`,
    );
    return true;
  }
  const waitStart = Date.now();
  const progress = new Progress(
    `${node.name}: waiting for ${wait.running.length + wait.gone.length} pod${wait.running.length + wait.gone.length === 1 ? '' : 's'}`,
    timeoutMs,
  );
  let state = 'starting';
  const stop = progress.keepUpdating(() => state);
  let outcome;
  try {
    outcome = await waitForPods(node, id, wait, timeoutMs, { onState: (now) => (state = now), cancelled });
  } finally {
    stop();
  }
  if (outcome.ok) {
    const first =
      startedAt !== undefined && outcome.firstRunningMs !== undefined
        ? `; first pod Running ${((waitStart - startedAt + outcome.firstRunningMs) / 1000).toFixed(1)} s after start`
        : '';
    progress.done(
      `${node.name}: pods ready after ${(progress.elapsedMs() / 1000).toFixed(1)} s${first}${outcome.lines.length ? `\n${outcome.lines.map((line) => `  ${line}`).join('\n')}` : ''}`,
    );
    return true;
  }
  progress.done();
  if (outcome.why === 'cancelled') return false;
  if (outcome.why === 'interrupted') {
    log.error(`kubelet-node: interrupted while waiting for the pods of ${node.name}. What the kubelet does meanwhile: ${node.command('status')}.`);
    return false;
  }
  const why =
    outcome.why === 'failed'
      ? 'a pod reports a failure that waiting does not cure'
      : outcome.why === 'timeout'
        ? `not ready within ${timeoutMs / 1000} s`
        : 'cannot read the pods';
  const journal = outcome.why === 'timeout' ? `\nLast kubelet journal lines:\n${await journalTail(node, id, 'kubelet', 15)}` : '';
  log.error(
    [
      `kubelet-node: ${node.name}: ${why}:`,
      ...outcome.lines.map((line) => `  ${line}`),
      `Images come from the host with ${node.command('load')}; a pod's output: ${node.command('logs', '--pod=<name>')}; all pods: ${node.command('status')}.${journal}`,
    ].join('\n'),
  );
  return false;
}

/**
 * Calls `onChange` on every change in `dir`, also after `dir` was deleted and created again (as `git checkout` or
 * an editor's "save folder" can do): a watch on the folder itself follows the deleted folder and would never report
 * again, so its parent is watched too and the folder's watch is made anew whenever the folder's entry changes.
 * Returns a function that ends both watches.
 */
export function watchReplaceableFolder(dir: string, onChange: () => void, onError: (error: Error) => void): () => void {
  const name = basename(dir);
  let inner: FSWatcher | undefined;
  const watchInner = () => {
    inner?.close();
    inner = undefined;
    if (!existsSync(dir)) return;
    try {
      inner = watchFolder(dir, onChange);
      // A deleted folder may end its watch with an error: the parent's watch makes it anew when the folder is back.
      inner.on('error', () => undefined);
    } catch {
      // deleted again meanwhile: the parent's watch says when it is back
    }
  };
  const outer = watchFolder(dirname(dir), (_event, entry) => {
    if (entry !== null && entry.toString() !== name) return;
    watchInner();
    onChange();
  });
  outer.on('error', onError);
  watchInner();
  return () => {
    inner?.close();
    outer.close();
  };
}

/**
 * `apply --watch`: applies now, then after every change of manifests/ (debounced: an editor's save is several
 * events), one apply at a time, until Ctrl-C (SIGINT) or SIGTERM, which end it with success.
 */
async function watchManifests(node: NodeContext, options: ApplyOptions): Promise<boolean> {
  const manifests = nodeManifests(node);
  const dir = manifests.dir;
  if (!manifests.exists()) throw new Error(`${manifests.shown} does not exist: nothing to watch.`);
  let stopping = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const runOnce = async () => {
    try {
      await applyOnce(node, options, () => stopping);
    } catch (error) {
      if (!stopping) log.error(`kubelet-node: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const trigger = () => {
    if (stopping) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce().finally(() => {
      running = undefined;
      if (again && !stopping) {
        again = false;
        trigger();
      }
    });
  };
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(timer);
    unwatch();
    // Let an apply in flight end (its docker commands got the signal too) before saying we stopped.
    void (running ?? Promise.resolve()).then(() => stopped());
  };
  const unwatch = watchReplaceableFolder(
    dir,
    () => {
      clearTimeout(timer);
      timer = setTimeout(trigger, 300);
    },
    (error) => {
      log.error(`kubelet-node: watching ${dir} failed: ${error.message}`);
      stop();
    },
  );
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    log.info(`${node.name}: watching ${manifests.shown} (Ctrl-C to stop)`);
    trigger();
    await done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  log.info(`${node.name}: stopped watching.`);
  return true;
}
