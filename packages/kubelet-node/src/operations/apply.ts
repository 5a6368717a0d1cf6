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
import { hostImages, IMAGE_INSPECT_FORMAT, ImageIdentity, loadImages, NODE_IMAGES_SCRIPT, parseImageInspect } from './load';
import { manifestImages, parseManifest, samePod, StaticPod } from '../core/manifests';
import { DockerConnectionOptions, kubeletUrl, NodeContext, NodeDescription, nodeManifests, nodeName, runningContainer } from './node-context';
import { journalTail } from './node-probe';
import { findPod, InterruptedError, KubeletPod, parsePods, PodRef, PODS_POLL_SCRIPT, PodsExec, PodWait, summarizePod, waitForPods } from './pods';
import type { ChildProcess } from 'node:child_process';
import type { RunResult } from './docker-cli';
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
  /**
   * Seconds the old version of a changed pod gets to stop, instead of its terminationGracePeriodSeconds (as `kubectl
   * delete --grace-period`; 0 kills it at once). Default: the pod's own. Needs the read-only API (readOnlyPort).
   */
  gracePeriod?: number;
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
 * Writes the new and changed manifests into the node's static pod folder, as {@link COMMIT_SCRIPT}'s first step
 * (`stage <skip> <count> <seconds> <args…>`): for each of the `count` `size:file` arguments after the first `skip`, the
 * next `size` bytes of stdin go to `.<file>.nx-kubelet-new`, a dotfile the kubelet ignores (GNU coreutils' `head -c`,
 * as kicbase's Ubuntu has it, reads no byte more than it is asked; BusyBox's would read ahead, which the size check
 * then refuses), each within `seconds`. A file that did not get all its bytes (a client killed mid-way closes stdin
 * as if the input had ended) returns 4 before anything in the folder has changed; the commit then removes the staged
 * files. It renames each staged file into place once the kubelet may start its pod (a rename within a folder is
 * atomic: the kubelet never reads half a file).
 */
const STAGE_FILES = [
  'stage() {',
  '  skip=$1; count=$2; bound=$3; shift 3; shift "$skip"',
  '  while [ "$count" -gt 0 ]; do',
  '    file=${1#*:}; size=${1%%:*}',
  '    timeout "$bound" head -c "$size" > ".$file.nx-kubelet-new" || return 4',
  '    got=$(wc -c < ".$file.nx-kubelet-new" | tr -d " ")',
  '    if [ "$got" != "$size" ]; then echo "got $got of $size bytes: $file left as it was" >&2; return 4; fi',
  '    shift; count=$((count - 1))',
  '  done',
  '}',
].join('\n');

/**
 * `workers_done <seen> <base>`, with the kubelet's /metrics on stdin followed by a line `# nx-kubelet-end` (written
 * only when curl got the whole answer; see {@link WAIT_FOR_PREDECESSORS}): prints the kubelet's count of cgroup
 * removals (`kubelet_cgroup_manager_duration_seconds_count{operation_type="destroy"}`) and tells whether the old
 * pods' workers are done. Exit 0: the `kubelet_working_pods` gauge counts no orphaned static pod and no old pod's
 * cgroup was seen. Exit 3 (done, from what the kubelet does last; the caller confirms it on its next look): with
 * `<seen>` (how many old pods' cgroups were seen, now gone; empty: not every one was, or none), the gauge counts no
 * orphan that is still syncing and either none terminated, or no more orphans than `<seen>` (another pod removed by
 * the same apply would be one more) and, since `<base>` (that count on an earlier look after the cgroups were gone;
 * empty: none yet), as many more removals as terminated ones: each such pod's worker removes its cgroup (already
 * gone) once more as its last step. Exit 1: not yet. Nothing on stdin (the kubelet did not answer) counts as no
 * orphan; a complete answer without the gauge (`--disabled-metrics`) too; an answer cut off (no end line) as not
 * yet, printing no count.
 */
export const WORKERS_DONE = [
  'workers_done() {',
  `  awk -v seen="$1" -v base="$2" '`,
  '    /^# nx-kubelet-end$/ { complete = 1 }',
  '    /^kubelet_working_pods\\{/ && /config="orphan"/ && /static="true"/ {',
  '      orphans += $NF',
  '      if (/lifecycle="terminated"/) terminated += $NF; else if (!/lifecycle="terminating"/) syncing += $NF',
  '    }',
  '    /^kubelet_cgroup_manager_duration_seconds_count\\{/ && /operation_type="destroy"/ { destroys = $NF }',
  '    END {',
  '      if (NR == 0) exit 0',
  '      if (!complete) { print ""; exit 1 }',
  '      print destroys + 0',
  '      if (orphans == 0) exit (seen != "" ? 3 : 0)',
  '      exit (seen != "" && syncing == 0 && (terminated == 0 || (orphans <= seen && base != "" && destroys >= base + terminated))) ? 3 : 1',
  "    }'",
  '}',
].join('\n');

/**
 * The waiting part of {@link COMMIT_SCRIPT}, for `$@` = `namespace/pod` names as the kubelet names its pods, until
 * `$end` (seconds since the epoch; exit 3 past it), polling every 100 ms: until the kubelet has finished with every
 * earlier pod of those names, so that the new one is allowed to start at its first attempt.
 *
 * Why these conditions (read from the kubelet's pod workers and housekeeping, pkg/kubelet/pod_workers.go and
 * kubelet_pods.go, the same in v1.29.15, v1.34.11 and v1.37.2, and traced on each): the kubelet starts a static pod
 * only when no other pod of its full name is "started"; that slot is freed when the old pod's worker completes
 * (completeTerminated), right after its last step, removing the pod's cgroup. A pod it may not start yet is retried
 * only after a back-off of 10-15 s. No single thing the kubelet serves at its default verbosity says so, so two
 * things are watched:
 * - the old pods (found by the node dockerd's `io.kubernetes.pod.uid` labels) have no cgroup left (`pod<uid>` under
 *   /sys/fs/cgroup, any driver; without one, e.g. cgroupsPerQOS off, their /var/lib/kubelet/pods/<uid> folder);
 * - and, when the read-only API (`$api`, its /pods URL) answers, its /metrics: the `kubelet_working_pods` gauge,
 *   which the kubelet's housekeeping (every 2 s) sets for each pod worker it knows: by its lifecycle (sync,
 *   terminating, terminated) and config (desired, or orphan: its manifest is gone but its worker is not done).
 *   Housekeeping may remove a stopped pod's cgroup itself before its worker completes, but only of a pod it finds
 *   terminated (a terminating one may still run), and it sets that gauge just before, in the same pass. So once the
 *   old pods' cgroups are gone, their workers are done when the gauge counts no orphaned static pod; or when the only
 *   ones it counts are terminating: then no pass has seen a pod terminated since, so no pass removed a cgroup, and
 *   each worker removed its own as its last step; or when it counts no more orphans than there are old pods and the
 *   kubelet's count of cgroup removals has grown by as many as it counts terminated since the cgroups were found gone: a worker
 *   removes its pod's cgroup (gone or not) as its last step, so a cgroup that housekeeping removed is removed once
 *   more as the worker completes ({@link WORKERS_DONE}). The last two answer without waiting for the next housekeeping
 *   pass (the gauge is otherwise up to 2 s behind); they need the cgroup of at least one old pod, and of every old
 *   pod the kubelet has not forgotten (one whose folder in /var/lib/kubelet/pods is left), to have been seen, and
 *   hold, as the first does once a cgroup was seen, only when the next look (100 ms later) says so too: the worker's
 *   last steps after the removal (systemd's job, the pod's final status) take a few milliseconds. The third counts every removal: another pod's cgroup removed at
 *   that moment (one that ended by itself), or a second removal by housekeeping (a pass that took over 2 s on an
 *   overloaded kubelet starts the next at once), may let a new pod meet the back-off.
 * Without the read-only API only the first condition is known, and the new pod may then still meet the back-off.
 * With `$grace` (--gracePeriod), once the kubelet's /pods no longer lists an old pod (the kubelet then only stops it),
 * its containers still running are stopped with `docker stop --time $grace` instead of waiting out the pod's own
 * terminationGracePeriodSeconds; the kubelet's own stop of them then returns at once.
 */
const WAIT_FOR_PREDECESSORS = [
  WORKERS_DONE,
  'set -f; found=; seen=0; unseen=',
  'for pod in "$@"; do',
  '  uids=$(docker ps --all --filter "label=io.kubernetes.pod.namespace=${pod%%/*}" --filter "label=io.kubernetes.pod.name=${pod#*/}" --format \'{{.Label "io.kubernetes.pod.uid"}}\' | sort -u)',
  '  for uid in $uids; do',
  // A static pod may carry its own metadata.uid: one that is not a plain name is not waited for (no path made of it).
  '    case $uid in */* | .*) continue ;; esac',
  '    found=1',
  // --gracePeriod: once the kubelet has dropped the old pod (it then never restarts its containers), stop them sooner.
  '    if [ -n "$grace" ] && [ -n "$api" ]; then',
  '      while curl -fsS --max-time 2 "$api" 2>/dev/null | grep -qF "\\"uid\\":\\"$uid\\""; do [ "$(date +%s)" -gt "$end" ] && exit 3; sleep 0.1; done',
  '      running=$(docker ps --quiet --filter "label=io.kubernetes.pod.uid=$uid" --filter label=io.kubernetes.docker.type=container)',
  '      [ -z "$running" ] || docker stop --time "$grace" $running >/dev/null 2>&1',
  '    fi',
  '    dirs=$(find /sys/fs/cgroup -maxdepth 6 -type d \\( -name "*pod$uid*" -o -name "*pod$(printf %s "$uid" | tr - _)*" \\) -prune 2>/dev/null)',
  // No cgroup: its folder instead (cgroupsPerQOS off, or the cgroup gone already), unless the kubelet is long done with
  // it (an exited container of an earlier version, not yet collected, still names it): neither is left.
  '    if [ -n "$dirs" ]; then seen=$((seen + 1)); else dirs="/var/lib/kubelet/pods/$uid"; [ -d "$dirs" ] && unseen=1; fi',
  '    for dir in $dirs; do',
  '      while [ -d "$dir" ]; do [ "$(date +%s)" -gt "$end" ] && exit 3; sleep 0.1; done',
  '    done',
  '  done',
  'done',
  'if [ -n "$found" ] && [ -n "$api" ]; then',
  // The count of removals is taken on the second look, not the first: the kubelet counts a removal only once it
  // returns, a moment after the folder is gone (systemd's job). Exit 3 ends the wait when the next look says so too.
  '  base=; looks=0; likely=; [ -z "$unseen" ] && [ "$seen" -gt 0 ] || seen=',
  '  while :; do',
  '    destroys=$( { curl -fsS --max-time 2 "${api%/pods}/metrics" 2>/dev/null && printf \'\\n# nx-kubelet-end\\n\'; } | workers_done "$seen" "$base"); answer=$?',
  '    [ "$answer" = 0 ] && break',
  '    if [ "$answer" = 3 ]; then [ -n "$likely" ] && break; likely=1; else likely=; fi',
  '    looks=$((looks + 1)); [ "$looks" -ge 2 ] && base=${base:-$destroys}',
  '    [ "$(date +%s)" -gt "$end" ] && exit 3',
  '    sleep 0.1',
  '  done',
  'fi',
].join('\n');

/**
 * Commits an apply in the node, in one `docker exec`: `$1` folder, `$2` seconds to wait at most, `$3` the read-only
 * API's /pods URL (empty when it is off), `$4` --gracePeriod (empty: the pods' own), `$5` how many files to remove,
 * `$6` how many files to write, `$7` 1 to go on polling the pods, then the files to remove, the files to write (as
 * `size:file`, their contents one after the other on stdin), then the `namespace/pod` names whose earlier pods to
 * wait for ({@link WAIT_FOR_PREDECESSORS}). Writes the new files beside the old ones first ({@link STAGE_FILES}:
 * nothing changes when one is short), removes, waits, then renames the staged files into place; a timeout of the wait
 * (exit 3) still puts them in place (the kubelet gets there later). The wait ends when stdin closes (Ctrl-C of the
 * client, `docker exec --interactive` with stdin held open after the contents; docker exec does not stop what it
 * started): the staged files are then removed and nothing new is written (exit status of the killed wait). Then it
 * prints `nx-kubelet-committed <status>`; with `$7` = 1 and the files in place (status 0 or 3) it goes on as
 * {@link PODS_POLL_SCRIPT} in the same exec (the pod wait without a docker exec of its own), else exits with that status.
 */
export const COMMIT_SCRIPT = [
  'mkdir -p "$1" && cd "$1" || exit 2',
  'end=$(( $(date +%s) + $2 )); seconds=$2; api=$3; grace=$4; removals=$5; staged=$6; poll=$7; shift 7',
  STAGE_FILES,
  'status=0; stage "$removals" "$staged" "$seconds" "$@" || status=$?',
  'if [ "$status" = 0 ]; then',
  '  while [ "$removals" -gt 0 ]; do rm -f -- "$1"; shift; removals=$((removals - 1)); done',
  // The wait runs as a job that a watcher of our stdin ends (see endsWhenStdinCloses), with the staged names skipped.
  '  exec 3<&0',
  '  (',
  '    shift "$staged"',
  WAIT_FOR_PREDECESSORS,
  '  ) 3<&- &',
  '  job=$!',
  '  ( cat >/dev/null; kill "$job" 2>/dev/null ) <&3 >/dev/null 2>&1 &',
  '  watch=$!',
  '  exec 3<&-',
  '  wait "$job"; status=$?',
  '  kill "$watch" 2>/dev/null',
  'else',
  '  shift "$removals"',
  'fi',
  'while [ "$staged" -gt 0 ]; do',
  '  file=${1#*:}',
  '  if [ "$status" = 0 ] || [ "$status" = 3 ]; then mv -f -- ".$file.nx-kubelet-new" "$file" || status=5; else rm -f -- ".$file.nx-kubelet-new"; fi',
  '  shift; staged=$((staged - 1))',
  'done',
  'echo "nx-kubelet-committed $status"',
  'if [ "$poll" = 1 ] && { [ "$status" = 0 ] || [ "$status" = 3 ]; }; then',
  'set -- "$api" "$((seconds + 5))"',
  PODS_POLL_SCRIPT,
  'fi',
  'exit "$status"',
].join('\n');

/**
 * Before docker: manifests/ exists and every manifest in it is valid (an invalid file changes nothing in the node).
 * With --watch, a later invalid file is reported and waited out instead.
 */
apply.check = (node: NodeDescription, options: ApplyOptions): void => {
  const grace = options.gracePeriod;
  if (grace !== undefined && !(typeof grace === 'number' && Number.isInteger(grace) && grace >= 0)) {
    throw new Error(`--gracePeriod must be a whole number of seconds, 0 or more (got ${JSON.stringify(grace)}).`);
  }
  if (grace !== undefined && !node.kubelet.readOnlyPort) {
    throw new Error(
      `--gracePeriod needs the kubelet's read-only API (readOnlyPort in kubelet.yaml is off): apply stops the old pod only once the kubelet has dropped it, which it sees there.`,
    );
  }
  const manifests = nodeManifests(node);
  if (!manifests.exists()) {
    throw new Error(
      `${manifests.shown} does not exist: apply refuses to read that as "no static pods" (it would remove every pod from ${node.name}). Restore the folder; to remove every pod, leave it empty.`,
    );
  }
  for (const { file } of manifests.read()) {
    // Written in the node as `.<file>.nx-kubelet-new` first (a file name has at most 255 bytes), listed one per line.
    if (/[\r\n]/.test(file)) throw new Error(`${manifests.shown}/${JSON.stringify(file)}: a file name with a line break cannot be applied: rename it.`);
    if (Buffer.byteLength(file) > MAX_FILE_NAME) {
      throw new Error(`${manifests.shown}/${file}: the file name is longer than apply can write in the node (${MAX_FILE_NAME} bytes): shorten it.`);
    }
  }
};

/** The longest manifest file name apply writes: 255 bytes with `.` before and `.nx-kubelet-new` after it. */
const MAX_FILE_NAME = 255 - '..nx-kubelet-new'.length;

export async function readNodeFolder(node: NodeContext, id: string, folder: string): Promise<Map<string, string>> {
  return (await readNodeState(node, id, folder, [], { pods: false })).files;
}

/**
 * What apply asks the node before it writes, in one `docker exec` ({@link readNodeState}): its hostname (one line),
 * its pods from the read-only API's /pods (`$3`; `-`: off) in base64 on one line (empty: not answered), each image of
 * `$@` ({@link NODE_IMAGES_SCRIPT}) and the static pod folder `$1` ({@link READ_FOLDER_SCRIPT}). `$2`: the image format.
 */
export const NODE_STATE_SCRIPT = [
  'folder=$1; format=$2; pods=$3; shift 3',
  `printf '%s\n' "$(hostname 2>/dev/null)"`,
  'if [ "$pods" != - ] && body=$(curl -fsS --max-time 3 "$pods" 2>/dev/null); then printf %s "$body" | base64 -w0; fi; echo',
  NODE_IMAGES_SCRIPT,
  'set -- "$folder"',
  READ_FOLDER_SCRIPT,
].join('\n');

/** What {@link readNodeState} read: the folder's files, each image as the node has it, its hostname and its pods. */
interface NodeState {
  files: Map<string, string>;
  images: (ImageIdentity | undefined)[];
  /** The container's hostname; undefined when only the folder was read, or it printed none. */
  hostname?: string;
  /** The kubelet's pods from its read-only API; undefined when it is off, did not answer or was not asked. */
  pods?: KubeletPod[];
}

/**
 * The node's static pod folder and, in the same `docker exec` ({@link NODE_STATE_SCRIPT}), each of `images` as the
 * node's dockerd has it, the container's hostname and, with `pods`, its kubelet's pods (as readPods reads them).
 */
async function readNodeState(node: NodeContext, id: string, folder: string, images: string[], { pods }: { pods: boolean }): Promise<NodeState> {
  const url = pods && node.kubelet.readOnlyPort ? kubeletUrl(node, 'pods') : '-';
  const result = await runDocker(node.target, ['exec', id, 'sh', '-c', NODE_STATE_SCRIPT, 'sh', folder, IMAGE_INSPECT_FORMAT, url, ...images], {
    mode: 'capture',
  });
  if (result.interrupted) throw new InterruptedError(`reading ${folder} in ${node.name}`);
  if (result.exitCode !== 0) throw new DockerCommandError(result, `reading ${folder} in the node`);
  const lines = result.stdout.split('\n');
  const [hostname, podList] = lines.splice(0, 2);
  const inNode = lines.splice(0, images.length).map((line) => parseImageInspect(line));
  const files = new Map<string, string>();
  for (let index = 0; index + 1 < lines.length; index += 2) {
    if (lines[index]) files.set(lines[index], Buffer.from(lines[index + 1], 'base64').toString('utf8'));
  }
  return {
    files,
    images: inNode,
    hostname: hostname?.trim() || undefined,
    pods: podList ? parsePods(Buffer.from(podList, 'base64').toString('utf8')) : undefined,
  };
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
  // One apply: the container the operation's first query found. Under --watch every apply asks anew (the node may
  // have been restarted since).
  const id = await runningContainer(node, { atLoad: !options.watch });
  const folder = node.kubelet.staticPodPath;
  // One docker exec asks the node everything apply needs before it writes: its folder, the images of every manifest
  // (and the pause image: those of the pods to start must be there before they start), its hostname and its pods. The
  // host's engine is asked for the same images meanwhile.
  const pause = node.pauseImage;
  const images = options.load === false ? [] : [...new Set([...manifestImages(pods), ...(pause ? [pause] : [])])];
  const onHost = hostImages(node, images);
  onHost.catch(() => undefined); // awaited below, unless there is nothing to apply
  const state = await readNodeState(node, id, folder, images, { pods: true });
  const { files: inNode, images: imagesInNode } = state;
  const before = state.pods;
  const host = await nodeName(node, id, state.hostname);
  const changes = diffManifests(new Map(pods.map((pod) => [pod.file, pod.text])), inNode);
  const touched = [...changes.added, ...changes.changed];
  if (touched.length === 0 && changes.removed.length === 0) {
    log.info(`${node.name}: ${folder} already matches manifests/ (${changes.unchanged.length} unchanged): nothing to apply.`);
    return true;
  }
  const byFile = new Map(pods.map((pod) => [pod.file, pod]));
  const touchedPods = touched.map((file) => byFile.get(file)!);
  const { wait, replaced } = podsToWaitFor(touchedPods, changes, inNode, before ?? [], host);

  // The images are checked and loaded before the commit writes anything: those of the pods to start must be there first.
  if (options.load !== false) {
    await loadImages(node, id, [...new Set([...manifestImages(touchedPods), ...(pause ? [pause] : [])])], {
      required: false,
      quiet: true,
      inspected: (await onHost).map((identity, index) => ({ image: images[index], host: identity, inNode: imagesInNode[index] })),
    });
  }
  // --watch stopped (Ctrl-C) while the images loaded: nothing has changed in the node yet, and nothing will.
  if (cancelled?.()) return false;

  // Removed files go first: a pod that moves to another file must not exist twice (the kubelet would run one of them).
  // A changed pod is a new pod to the kubelet (its UID is a hash of the manifest) with the old one's name, and the
  // kubelet starts it only once it has finished with the old one: written at once, the new pod's first start attempt
  // comes too early and is retried only after a back-off of 10-15 s. So a changed pod's old file is removed too, and
  // every new or changed pod is put in place once the kubelet has finished with any earlier pod of its name (also one
  // removed by a previous apply a moment ago): COMMIT_SCRIPT, one docker exec. The old pod stops as the kubelet stops
  // it, with its terminationGracePeriodSeconds, unless --gracePeriod says otherwise.
  const removals = [...changes.removed, ...replaced];
  const seconds = String(Math.max(1, Math.round(options.timeout ?? 120)));
  // Only pods that start anew: a file whose pod the kubelet sees unchanged (comments, formatting) has no predecessor.
  const names = wait.running.map((pod) => `${pod.namespace}/${pod.name}-${host}`);
  const api = node.kubelet.readOnlyPort ? kubeletUrl(node, 'pods') : '';
  // The pod wait goes on in the same exec when there is one to do ({@link PODS_POLL_SCRIPT}): one docker exec fewer.
  const poll = options.wait !== false && (wait.running.length > 0 || wait.gone.length > 0) && !!node.kubelet.readOnlyPort;
  let child: ChildProcess | undefined;
  let buffered = '';
  let sink: ((chunk: string) => void) | undefined;
  let marked!: (status: number | undefined) => void;
  const marker = new Promise<number | undefined>((resolve) => (marked = resolve));
  const onData = (chunk: Buffer) => {
    if (sink) return sink(chunk.toString());
    buffered += chunk.toString();
    const match = /^nx-kubelet-committed (\d+)\n/m.exec(buffered);
    if (!match) return;
    buffered = buffered.slice(match.index + match[0].length);
    marked(Number(match[1]));
  };
  // --interactive with stdin held open: on Ctrl-C stdin closes and the wait in the node ends (docker exec would not).
  const running: Promise<RunResult> = runDocker(
    node.target,
    [
      'exec',
      '--interactive',
      id,
      'sh',
      '-c',
      COMMIT_SCRIPT,
      'sh',
      folder,
      seconds,
      api,
      options.gracePeriod === undefined ? '' : String(options.gracePeriod),
      String(removals.length),
      String(touchedPods.length),
      poll ? '1' : '',
      ...removals,
      ...touchedPods.map((pod) => `${Buffer.byteLength(pod.text)}:${pod.file}`),
      ...names,
    ],
    {
      mode: 'capture',
      // The new files' contents, one after the other (COMMIT_SCRIPT's first step reads each by its size); stdin then
      // stays open: its end is Ctrl-C.
      input: touchedPods.map((pod) => pod.text).join(''),
      holdStdin: true,
      onSpawn: (spawned) => {
        child = spawned;
        spawned.stdout?.on('data', onData);
      },
    },
  ).finally(() => marked(undefined));
  const status = await marker;
  let polling: PodsExec | undefined;
  if (poll && child && (status === 0 || status === 3)) {
    // Committed; the same exec now reports the pods.
    const exec = child;
    polling = {
      child: exec,
      result: running,
      subscribe: (onChunk) => {
        sink = onChunk;
        if (buffered) onChunk(buffered);
        buffered = '';
      },
    };
  } else {
    const committed = await running;
    if (committed.interrupted) {
      // What the node had done by then, as its commit reported it (nothing reported: it may not have started).
      const done =
        status === 0 || status === 3
          ? 'the new files are in place'
          : status === 4
            ? 'nothing in the node was changed'
            : status === undefined
              ? 'how far it got is not known'
              : 'removed and replaced files are gone, nothing new was written';
      throw new Error(`interrupted while applying to ${node.name}: ${done} (apply again to bring the node in line with manifests/).`);
    }
    // A timeout of the wait (3) is no failure: the files are in place and the kubelet still gets there, later; the pod
    // wait below reports what happens.
    if (committed.exitCode !== 0 && committed.exitCode !== 3) throw new DockerCommandError(committed, `applying the manifests to ${folder} in the node`);
  }
  const summary = [
    ...changes.added.map((file) => `+ ${file}`),
    ...changes.changed.map((file) => `~ ${file}`),
    ...changes.removed.map((file) => `- ${file}`),
  ].join(', ');
  log.info(`${node.name}: applied ${summary} to ${folder}${changes.unchanged.length ? ` (${changes.unchanged.length} unchanged)` : ''}`);
  if (options.wait === false || (wait.running.length === 0 && wait.gone.length === 0)) return true;
  return reportWait(node, id, wait, (options.timeout ?? 120) * 1000, { cancelled, exec: polling });
}

/**
 * Which pods the apply affects: added files' pods must come up; changed files' pods must come up in their new
 * version (a different config hash), unless only comments or formatting changed; removed files' pods must go.
 */
function podsToWaitFor(
  touched: StaticPod[],
  changes: ManifestChanges,
  inNode: Map<string, string>,
  before: KubeletPod[],
  host: string,
): { wait: PodWait; replaced: string[] } {
  const wait: PodWait = { running: [], gone: [] };
  /** Files of changed pods that the kubelet must replace (not only reformatted): removed before they are written. */
  const replaced: string[] = [];
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
  return { wait, replaced };
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
  { cancelled, startedAt, exec }: { cancelled?: () => boolean; startedAt?: number; exec?: PodsExec } = {},
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
    outcome = await waitForPods(node, id, wait, timeoutMs, { onState: (now) => (state = now), cancelled, exec });
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
