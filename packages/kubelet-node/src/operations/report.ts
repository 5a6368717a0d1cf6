/**
 * `report`: for each pod of a node (or of several nodes: {@link reportNodes}), whether the kubelet runs it, how long it
 * took from the node's start, and the kubelet's warnings and errors since then, written as report.json, junit.xml and
 * report.html into one folder and printed as a table. For testing static-pod workloads on many kubelet versions.
 * Each node is read with the operation's first query (NodeContext.containerAtLoad) and ONE `docker exec`
 * ({@link REPORT_SCRIPT}); the rendering is report-render.ts.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { checkOptionValues, refuseUnknownOptions } from '../options-check';
import { runDocker, RunResult } from './docker-cli';
import { checkExportFolder, OutputFolderWriter, replaceExportFolder, startExportFolder } from './export-logs';
import { log } from './log';
import { DockerConnectionOptions, kubeletUrl, loadNode, NodeContext, NodeDescription, nodeManifests, NodeRef } from './node-context';
import { waitForHealthz } from './node-probe';
import { InterruptedError, KubeletPod, parsePods, waitForPods } from './pods';
import {
  buildReport,
  FAILING_OUTCOMES,
  KubeletMessage,
  NodeReport,
  nodePods,
  NodeVersions,
  parseKubeletJournal,
  podMessages,
  renderHtml,
  renderJunit,
  renderTerminal,
  Report,
  whyKubeletDown,
} from './report-render';
import { operationOptions, operationSchema } from './schemas';

export type { KubeletMessage, MessageCategory, NodeReport, NodeVersions, PodOutcome, PodReport, Report } from './report-render';
export { REPORT_SCHEMA } from './report-render';

export interface ReportOptions extends DockerConnectionOptions {
  /**
   * Folder to write report.json, junit.xml and report.html into (relative to the workspace root). @default
   * dist/kubelet-report/<node> (several nodes: dist/kubelet-report/matrix)
   */
  outputPath?: string;
  /** Seconds to wait for each node's kubelet (/healthz) and then its pods (Running and ready, or failed) before reading them. @default 0 */
  wait?: number;
}

/** The marker of a folder report wrote: only such a folder (or an empty one) is replaced by the next report. */
export const REPORT_MARKER = '.kubelet-node-report';
const WRITER: OutputFolderWriter = { operation: 'report', marker: REPORT_MARKER };

/** The files a report writes (beside its marker). */
export const REPORT_FILES = ['report.json', 'junit.xml', 'report.html'] as const;

/** The journal lines that may be warnings or errors (the host classifies them: report-render.ts parseKubeletJournal). */
const JOURNAL_FILTER = '^[WEF][0-9]{4} |[Dd]eprecat|unknown (field|flag)|strict decoding|[Ff]eature gate|[Ff]ailed|[Ee]rror|code=exited|status=[0-9]';

/**
 * The script {@link collectNodeReport} runs in the node: everything the report needs, in one `docker exec`. Each answer
 * is followed by a line `@@report <nonce> <question> <code>` (the exit code; for the kubelet's endpoints the HTTP
 * status, 000 when it did not answer; the nonce keeps a journal line from passing for a marker); the last is
 * `… end 0`. Arguments: the nonce, /healthz's URL, /pods' URL (`-`: the read-only API is off), the static pod folder.
 * The container's start is PID 1's (systemd's) start time, from /proc (btime + its start in clock ticks); the journal
 * is the kubelet unit's since then, only the lines that may be warnings or errors (the host parses them), at most the
 * last 5000.
 */
export const REPORT_SCRIPT = [
  'nonce=$1; healthz=$2; pods=$3; manifests=$4',
  `mark() { printf '\\n@@report %s %s %s\\n' "$nonce" "$1" "$2"; }`,
  // curl writes into a file of its own while the rest is asked, and the file is printed at the end: no interleaving.
  'answers=$(mktemp)',
  'if [ "$pods" = - ]; then',
  `  curl -sS --max-time 3 --write-out "\\n@@report $nonce healthz %{http_code}\\n" "$healthz" >"$answers" 2>/dev/null &`,
  'else',
  `  curl -sS --max-time 3 --write-out "\\n@@report $nonce healthz %{http_code}\\n" "$healthz" \\`,
  `    --next -sS --max-time 5 --write-out "\\n@@report $nonce pods %{http_code}\\n" "$pods" >"$answers" 2>/dev/null &`,
  'fi',
  'clk=$(getconf CLK_TCK 2>/dev/null || echo 100)',
  `start=$(awk -v clk="$clk" 'FNR == NR { if ($1 == "btime") btime = $2; next } { printf "%.3f", btime + $22 / clk }' /proc/stat /proc/1/stat); code=$?`,
  `printf '%s' "$start"; mark start $code`,
  `printf '%s' "$(hostname)"; mark hostname $?`,
  `out=$(timeout 10 kubelet --version 2>&1); code=$?; printf '%s' "$out"; mark kubelet-version $code`,
  `out=$(timeout 10 cri-dockerd --version 2>&1); code=$?; printf '%s' "$out"; mark cri-dockerd-version $code`,
  `out=$(timeout 10 docker version --format '{{.Server.Version}}' 2>&1); code=$?; printf '%s' "$out"; mark docker-version $code`,
  `out=$(systemctl is-active kubelet.service 2>/dev/null); code=$?`,
  `printf '%s\\n%s' "$out" "$(systemctl show --property=NRestarts --value kubelet.service 2>/dev/null)"; mark unit $code`,
  `for file in "$manifests"/*; do if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\\n' "\${file##*/}"; fi; done; mark manifests 0`,
  'since=; [ -n "$start" ] && since="--since=@${start%.*}"',
  `journalctl --no-pager --output cat --unit kubelet.service $since 2>/dev/null | grep -E '${JOURNAL_FILTER}' | tail -n 5000; mark journal 0`,
  'wait',
  'cat "$answers"; rm -f "$answers"',
  'mark end 0',
].join('\n');

/** What the node answered to {@link REPORT_SCRIPT}: each question's text and code (pure). */
export function readReportOutput(stdout: string, nonce: string): Map<string, { text: string; code: number }> {
  const answers = new Map<string, { text: string; code: number }>();
  let lines: string[] = [];
  const marker = new RegExp(`^@@report ${nonce} ([\\w-]+) (\\d+)$`);
  for (const line of stdout.split('\n')) {
    const found = marker.exec(line);
    if (!found) {
      lines.push(line);
      continue;
    }
    answers.set(found[1], { text: lines.join('\n').trim(), code: Number(found[2]) });
    lines = [];
  }
  return answers;
}

/** A pod of the node's manifests/: the report expects the kubelet to run it. */
export interface ExpectedPod {
  namespace: string;
  name: string;
  /** Its file in manifests/ (and in the node's static pod folder once applied). */
  file?: string;
}

/** The version in a binary's `--version` output (`Kubernetes v1.34.4` → v1.34.4, `cri-dockerd 0.3.17 (483e3b6)` → v0.3.17). */
export function versionIn(output: string | undefined): string | undefined {
  const found = /\bv?(\d+\.\d+\.\d+[\w.+-]*)/.exec(output ?? '');
  return found ? `v${found[1]}` : undefined;
}

/** The versions the node's files declare (its compose build args). */
function declaredVersions(node: Pick<NodeContext, 'buildArgs'>): NodeVersions {
  return { kubelet: node.buildArgs.KUBE_VERSION, criDockerd: node.buildArgs.CRI_DOCKERD_VERSION, kicbase: node.buildArgs.KICBASE_VERSION };
}

/**
 * One node's report: its container's state and start, the versions in it, the kubelet's health, unit and pods, each
 * pod of its manifests/ with its outcome (missing ones as such, with the journal's reason when the kubelet is down),
 * and the kubelet's journal since the container started as classified messages. The operation's first query told the
 * container (NodeContext.containerAtLoad); this asks the node once (one `docker exec`), after waiting `wait` seconds
 * for the pods if asked. Never "fine" about a node it could not read: what it could not is in `problems`.
 */
export async function collectNodeReport(node: NodeContext, options: Pick<ReportOptions, 'wait'> = {}): Promise<NodeReport> {
  const report: NodeReport = {
    name: node.name,
    dir: node.displayDir,
    engine: node.engine,
    declared: declaredVersions(node),
    running: {},
    kubelet: { healthy: false, podsRead: false },
    problems: [],
    pods: [],
    messages: [],
  };
  let expected: ExpectedPod[] = [];
  try {
    const manifests = nodeManifests(node);
    expected = manifests.exists() ? manifests.read().map((pod) => ({ namespace: pod.namespace, name: pod.name, file: pod.file })) : [];
  } catch (error) {
    report.problems.push(`its manifests/ cannot be read, so the pods it should run are not known: ${(error as Error).message}`);
  }
  const container = node.containerAtLoad;
  if (!container) {
    report.problems.push(`no container on ${node.engine} (start it: ${node.command('up')})`);
    report.pods = nodePods(expected, undefined, undefined, undefined, { outcome: 'missing', reason: 'not started: the node has no container' });
    return report;
  }
  report.container = { name: container.name, id: container.id, state: container.state };
  if (container.state !== 'running') {
    report.problems.push(`container ${container.state} (start it: ${node.command('up')})`);
    report.pods = nodePods(expected, undefined, undefined, undefined, {
      outcome: 'missing',
      reason: `not started: the node's container is ${container.state}`,
    });
    return report;
  }
  if ((options.wait ?? 0) > 0) {
    // A kubelet still starting (just after up) first, then its pods, within --wait in all.
    const deadline = Date.now() + options.wait! * 1000;
    const healthz = await waitForHealthz(node, container.id, options.wait!);
    if (healthz.outcome === 'interrupted') throw new InterruptedError(`waiting for the kubelet of ${node.name}`);
    const left = deadline - Date.now();
    if (healthz.outcome === 'healthy' && node.kubelet.readOnlyPort && expected.length && left > 0) {
      const waited = await waitForPods(node, container.id, { running: expected, gone: [] }, left);
      if (waited.why === 'interrupted') throw new InterruptedError(`waiting for the pods of ${node.name}`);
    }
  }
  const nonce = randomBytes(6).toString('hex');
  const podsUrl = node.kubelet.readOnlyPort ? kubeletUrl(node, 'pods') : '-';
  const result = await runDocker(
    node.target,
    ['exec', container.id, 'sh', '-c', REPORT_SCRIPT, 'sh', nonce, kubeletUrl(node, 'healthz'), podsUrl, node.kubelet.staticPodPath],
    { mode: 'capture' },
  );
  if (result.interrupted) throw new InterruptedError(`reading ${node.name}`);
  return readNodeAnswers(report, result, nonce, expected, node.kubelet.readOnlyPort, (operation) => node.command(operation));
}

/** The node's answers into its report (pure apart from the clock's parse of timestamps). */
export function readNodeAnswers(
  report: NodeReport,
  result: Pick<RunResult, 'stdout' | 'exitCode' | 'tail'>,
  nonce: string,
  expected: ExpectedPod[],
  readOnlyPort: number,
  command: (operation: string) => string = (operation) => `kubelet-node ${operation}`,
): NodeReport {
  const answers = readReportOutput(result.stdout, nonce);
  const text = (question: string) => answers.get(question)?.text;
  const ok = (question: string) => (answers.get(question)?.code === 0 ? answers.get(question)!.text : undefined);
  const http = (endpoint: string) => {
    const code = answers.get(endpoint)?.code ?? 0;
    return code >= 200 && code < 300 ? answers.get(endpoint)!.text : undefined;
  };
  if (!answers.has('end')) {
    const last = result.tail
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('@@report '))
      .pop();
    report.problems.push(
      `could not read the node: docker exec ended with exit code ${result.exitCode} before it answered everything${last ? `: ${last}` : ''}`,
    );
  }
  const start = Number(ok('start'));
  const startedAtMs = Number.isFinite(start) && start > 0 ? Math.round(start * 1000) : undefined;
  if (report.container && startedAtMs !== undefined) report.container.startedAt = new Date(startedAtMs).toISOString();
  report.running = {
    kubelet: versionIn(ok('kubelet-version')),
    criDockerd: versionIn(ok('cri-dockerd-version')),
    docker: ok('docker-version')?.trim() || undefined,
  };
  const [unit, restarts] = (text('unit') ?? '').split('\n');
  report.kubelet.unit = unit?.trim() || undefined;
  report.kubelet.restarts = restarts && /^\d+$/.test(restarts.trim()) ? Number(restarts.trim()) : undefined;
  report.kubelet.healthy = http('healthz') !== undefined;
  const messages: KubeletMessage[] = parseKubeletJournal(text('journal') ?? '');
  report.messages = messages;
  const pods: KubeletPod[] | undefined = http('pods') === undefined ? undefined : parsePods(http('pods')!);
  report.kubelet.podsRead = pods !== undefined;
  const why = whyKubeletDown(messages);
  if (!report.kubelet.healthy) {
    report.problems.push(
      `kubelet NOT healthy (/healthz did not answer${report.kubelet.unit ? `; kubelet.service ${report.kubelet.unit}` : ''})${why ? `: ${why}` : ''}`,
    );
  }
  if (pods === undefined && report.kubelet.healthy) {
    report.problems.push(
      readOnlyPort
        ? `the kubelet's read-only API (:${readOnlyPort}/pods) did not answer: which pods run is not known`
        : "the kubelet's read-only API is off (readOnlyPort in kubelet.yaml): which pods run is not known",
    );
  }
  const inNode = (ok('manifests') ?? '').split('\n').filter((name) => name && !name.startsWith('.'));
  const missing: Parameters<typeof nodePods>[4] = report.kubelet.healthy
    ? pods === undefined
      ? { outcome: 'unknown', reason: "the kubelet's pods could not be read" }
      : {
          outcome: 'missing',
          // Its file in the node's static pod folder or not: the kubelet refused it, or manifests/ was not applied.
          reason: (ref: ExpectedPod) =>
            ref.file !== undefined && !inNode.includes(ref.file)
              ? `not started: its file ${ref.file} is not in the node's static pod folder (apply manifests/: ${command('apply')})`
              : "not started: the kubelet does not list it although its file is in the node (see the kubelet's messages)",
        }
    : { outcome: 'missing', reason: `not started: the kubelet is not running${why ? `: ${why}` : ''}` };
  const host = text('hostname')?.trim().toLowerCase() || undefined;
  report.pods = nodePods(expected, pods, host, startedAtMs, missing).map((pod) => {
    // The kubelet's name for the pod: as it lists it, else as it would name it.
    const kubeletName = pod.kubeletName?.split('/').pop() ?? (host ? `${pod.key.split('/').pop()}-${host}` : undefined);
    const own = kubeletName ? podMessages(messages, kubeletName) : [];
    return own.length ? { ...pod, messages: own } : pod;
  });
  return report;
}

/** Whether a node's report fails the run: a problem reading it, or a pod failed, missing or unknown. */
export function nodeFails(node: NodeReport): boolean {
  return node.problems.length > 0 || node.pods.some((pod) => FAILING_OUTCOMES.has(pod.outcome));
}

/** Where the report goes: the folder, and as messages show it (workspace-relative when inside). */
function outputOf(workspaceRoot: string, names: string[], outputPath: string | undefined, title?: string): { final: string; shown: string } {
  const path = outputPath ?? join('dist', 'kubelet-report', title ?? (names.length === 1 ? names[0] : 'matrix'));
  const final = isAbsolute(path) ? path : join(workspaceRoot, path);
  const shown = relative(workspaceRoot, final).startsWith('..') ? final : relative(workspaceRoot, final) || '.';
  return { final, shown };
}

/** Writes the report's files into the output folder (a fresh one, put in place whole) and prints the table. */
function writeReport(report: Report, output: { final: string; shown: string }): void {
  checkExportFolder(output.final, output.shown, WRITER);
  const temporary = startExportFolder(output.final, WRITER);
  try {
    writeFileSync(join(temporary, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(temporary, 'junit.xml'), renderJunit(report));
    writeFileSync(join(temporary, 'report.html'), renderHtml(report));
    replaceExportFolder(temporary, output.final, WRITER);
  } finally {
    // Gone once it is in place; otherwise nothing of it stays beside the output.
    rmSync(temporary, { recursive: true, force: true });
  }
}

/** Reports loaded nodes: collects them in parallel, writes the files, prints the table; false when any fails. */
async function reportLoaded(nodes: (NodeContext | NodeReport)[], options: ReportOptions, output: { final: string; shown: string }): Promise<boolean> {
  // Before the nodes are asked (again: runOperation's check ran on the node's files, a caller may not have).
  checkExportFolder(output.final, output.shown, WRITER);
  const reports = await Promise.all(nodes.map((node) => ('composeProject' in node ? collectNodeReport(node, options) : Promise.resolve(node))));
  const report = buildReport(reports);
  writeReport(report, output);
  log.info(renderTerminal(report, output.shown));
  return report.ok && !reports.some(nodeFails);
}

/**
 * Refuses bad options before anything is read or run: unknown options and values of the wrong type (the schema's),
 * and an output folder report may not replace (a file, or a folder with files report did not write).
 */
function checkReportOptions(options: ReportOptions, workspaceRoot: string, names: string[], what: string, title?: string): { final: string; shown: string } {
  refuseUnknownOptions(options, operationOptions('report'), what);
  checkOptionValues(options, operationSchema('report'));
  const output = outputOf(workspaceRoot, names, options.outputPath, title);
  checkExportFolder(output.final, output.shown, WRITER);
  return output;
}

/** A node of {@link reportNodes}, with how its engine is reached when that differs from the report's options. */
export type ReportNodeRef = NodeRef & {
  /** This node's --engine, --context, --dockerHost, --composeFile, --service (over the report's own). */
  connection?: DockerConnectionOptions;
};

/** A node's own connection options: known options of the right type (the schema's), before anything runs. */
function checkConnection(name: string, connection: DockerConnectionOptions, what: string): void {
  const known = ['composeFile', 'service', 'engine', 'context', 'dockerHost'];
  refuseUnknownOptions(connection, known, `${what} (node ${name})`);
  checkOptionValues(connection, operationSchema('report'));
}

/**
 * The report of several nodes (the matrix: one column per node): checks the options, loads each node
 * (loadNode: its files, then its container), collects them in parallel and writes one report. A node that cannot be
 * loaded (its folder, its files, its engine) is a column that says why, and fails the report. Resolves true when every
 * node was read with a healthy kubelet and no pod failed or is missing. `what` names the operation in messages.
 */
export async function reportNodes(refs: ReportNodeRef[], options: ReportOptions = {}, what = 'report', title?: string): Promise<boolean> {
  if (refs.length === 0) throw new Error(`${what}: no nodes to report on.`);
  const names = refs.map((ref) => ref.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new Error(`${what}: the node ${duplicate} is given twice: each node is one column of the report.`);
  const output = checkReportOptions(options, resolve(refs[0].workspaceRoot ?? '.'), names, what, title);
  for (const ref of refs) {
    if (ref.connection) checkConnection(ref.name, ref.connection, what);
  }
  const nodes = await Promise.all(
    refs.map(async (ref): Promise<NodeContext | NodeReport> => {
      try {
        return await loadNode(ref, { ...options, ...ref.connection }, { composeWhenNeeded: true });
      } catch (error) {
        return {
          name: ref.name,
          dir: ref.displayDir ?? ref.dir,
          declared: {},
          running: {},
          kubelet: { healthy: false, podsRead: false },
          problems: [`could not be read: ${error instanceof Error ? error.message : String(error)}`],
          pods: [],
          messages: [],
        };
      }
    }),
  );
  return reportLoaded(nodes, options, output);
}

/** `report` of one node: {@link reportNodes} of that node (runOperation has loaded and checked it). */
export async function report(node: NodeContext, options: ReportOptions): Promise<boolean> {
  return reportLoaded([node], options, outputOf(node.workspaceRoot, [node.name], options.outputPath));
}

/** Before docker: the output folder must be one report may replace. */
report.check = (node: NodeDescription, options: ReportOptions): void => {
  const output = outputOf(node.workspaceRoot, [node.name], options.outputPath);
  checkExportFolder(output.final, output.shown, WRITER);
};
