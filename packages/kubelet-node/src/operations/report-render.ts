/**
 * `report`'s pure part: the kubelet's journal read into classified messages, each pod's outcome, and the report
 * rendered as report.json, junit.xml, report.html and a terminal table. No docker, no files: report.ts collects and
 * writes; everything here is unit-tested on plain data (report-render.spec.ts).
 */
import { KubeletPod, summarizePod } from './pods';

/** The `schema` field of report.json: bumped when a field changes meaning or goes. */
export const REPORT_SCHEMA = 'kubelet-node/report/v1';

/**
 * A pod's outcome on a node. ready: Running with every container ready (or Succeeded); pending: not (yet) ready, may
 * get there by waiting; failed: will not run by waiting (a FAILURE_REASONS reason such as ImagePullBackOff, or phase
 * Failed); missing: a pod of the node's manifests/ the kubelet does not list (not started); unknown: the kubelet's pods
 * could not be read (read-only API off or not answering while the kubelet is healthy).
 */
export type PodOutcome = 'ready' | 'pending' | 'failed' | 'missing' | 'unknown';

/** Outcomes that make the report fail (exit code 1). */
export const FAILING_OUTCOMES: ReadonlySet<PodOutcome> = new Set(['failed', 'missing', 'unknown']);

/**
 * What a kubelet's warning or error is about: deprecated (a flag or field that still works), unknown-field (strict
 * decoding of its configuration found a field it does not know), removed-flag (a flag it no longer knows),
 * feature-gate (setting a GA, deprecated or unknown gate), config-rejected (it refused its configuration and did not
 * start), other.
 */
export type MessageCategory = 'deprecated' | 'unknown-field' | 'removed-flag' | 'feature-gate' | 'config-rejected' | 'other';
export const MESSAGE_CATEGORIES: readonly MessageCategory[] = ['config-rejected', 'removed-flag', 'unknown-field', 'feature-gate', 'deprecated', 'other'];

export interface KubeletMessage {
  severity: 'warning' | 'error';
  category: MessageCategory;
  /** The message without klog's header (severity, date, time, thread, file:line). */
  text: string;
  /** How many times the journal has it (since the container started). */
  count: number;
}

/** klog's header: `W1202 10:00:00.000000     123 feature_gate.go:351] ` (severity, month and day, time, thread id, source). */
const KLOG_LINE = /^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+\s+[^\s\]]+\]\s?(.*)$/;

/** The category of a message's text (the first that matches, most specific first). */
export function classifyMessage(text: string): MessageCategory {
  if (/unknown field|strict decoding error/i.test(text)) return 'unknown-field';
  if (/unknown flag: --|flag provided but not defined|(flag|option) --?[\w-]+ (has been|was) removed/i.test(text)) return 'removed-flag';
  if (
    /failed to (validate|load|parse|construct|read) kubelet config|invalid configuration|failed to run Kubelet|"command failed"|^Error: |unrecognized feature gate/i.test(
      text,
    )
  ) {
    return 'config-rejected';
  }
  if (/feature gate|featuregate/i.test(text)) return 'feature-gate';
  if (/deprecated/i.test(text)) return 'deprecated';
  return 'other';
}

/** logrus's line: `time="2026-12-02T22:24:28Z" level=warning msg="Failed to remove cgroup (will retry)" error="…"`. */
const LOGRUS_LINE = /^time="[^"]*"\s+level=(\w+)\s+msg="((?:[^"\\]|\\.)*)"(.*)$/;

/** Lines of the kubelet's journal (`journalctl -u kubelet -o cat`) that are not klog warnings or errors but matter. */
const NOTABLE = /deprecated|unknown (field|flag)|strict decoding|feature gate|failed|error|code=exited|status=\d+\/\w+/i;

/**
 * The kubelet's warnings and errors in its journal (klog W/E/F lines, and the lines without klog's header that say
 * something is deprecated, unknown, rejected or failed: the flag parser's, cobra's `Error: …`, systemd's about the
 * unit), classified and deduplicated with a count, in the order they first appear. Info lines are left out.
 */
export function parseKubeletJournal(journal: string): KubeletMessage[] {
  const found = new Map<string, KubeletMessage>();
  for (const raw of journal.split('\n')) {
    const line = raw.trimEnd();
    if (!line.trim()) continue;
    const klog = KLOG_LINE.exec(line);
    const logrus = klog ? null : LOGRUS_LINE.exec(line);
    let severity: KubeletMessage['severity'];
    let text: string;
    if (klog) {
      if (klog[1] === 'I') continue;
      severity = klog[1] === 'W' ? 'warning' : 'error';
      text = klog[2].trim();
    } else if (logrus) {
      // A library's logrus line (runc's cgroup code in the kubelet): its own level, and no time, so that repeats count once.
      const level = logrus[1].toLowerCase();
      if (!['warning', 'warn', 'error', 'fatal', 'panic'].includes(level)) continue;
      severity = level.startsWith('warn') ? 'warning' : 'error';
      text = `${logrus[2].replace(/\\"/g, '"')}${logrus[3]}`.trim();
    } else {
      if (!NOTABLE.test(line)) continue;
      text = line.trim();
      severity = /^Flag --|deprecated/i.test(text) && !/^Error/.test(text) ? 'warning' : 'error';
    }
    const category = classifyMessage(text);
    const key = `${severity}\0${category}\0${text}`;
    const seen = found.get(key);
    if (seen) seen.count++;
    else found.set(key, { severity, category, text, count: 1 });
  }
  return [...found.values()];
}

/** The message that best says why the kubelet does not run: its rejected configuration, else its last error. */
export function whyKubeletDown(messages: KubeletMessage[]): string | undefined {
  const errors = messages.filter((message) => message.severity === 'error');
  const rejected = errors.find((message) => message.category === 'config-rejected');
  return (rejected ?? errors.filter((message) => !/^kubelet\.service: /.test(message.text)).pop() ?? errors[errors.length - 1])?.text;
}

export interface PodReport {
  /** `namespace/name` as the manifest names it: the row of the report (the kubelet adds `-<node name>`). */
  key: string;
  /** `namespace/name` as the kubelet names it, when it lists the pod. */
  kubeletName?: string;
  outcome: PodOutcome;
  /** In the node's manifests/ folder (false: the kubelet runs it from a file manifests/ no longer has). */
  expected: boolean;
  phase?: string;
  /** ready containers / containers */
  ready?: string;
  restarts?: number;
  /** Why it is not ready: the kubelet's reason and message, or why it is missing. */
  reason?: string;
  /** Seconds from the node container's start until its first container ran. */
  runningAfterSeconds?: number;
  /** Seconds from the node container's start until the pod's Ready condition turned True. */
  readyAfterSeconds?: number;
  /** The kubelet's warnings and errors that name this pod (`pod="default/web-node1"`, `web-node1_default(…)`). */
  messages?: KubeletMessage[];
}

/**
 * The node's messages that name a pod by the kubelet's name for it (`<name>-<node name>`: in `pod="ns/name"`, in
 * `name_ns(uid)`), whole (not `api-web-node1` for `web-node1`).
 */
export function podMessages(messages: KubeletMessage[], kubeletPodName: string): KubeletMessage[] {
  const quoted = kubeletPodName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const named = new RegExp(`(^|[^A-Za-z0-9.-])${quoted}($|[^A-Za-z0-9.-])`);
  return messages.filter((message) => named.test(message.text));
}

/** Seconds between two instants, to a tenth; undefined when either is unknown or unreadable. */
function secondsBetween(startMs: number | undefined, at: string | undefined): number | undefined {
  if (startMs === undefined || !at) return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : Math.round((ms - startMs) / 100) / 10;
}

/** A listed pod's report: its outcome from pods.ts' summary, its times from its status' timestamps. */
export function podReport(pod: KubeletPod, key: string, expected: boolean, startedAtMs: number | undefined): PodReport {
  const summary = summarizePod(pod);
  const outcome: PodOutcome = summary.done ? 'ready' : summary.failed ? 'failed' : 'pending';
  const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready' && condition.status === 'True');
  const started = (pod.status?.containerStatuses ?? [])
    .map((status) => status.state?.running?.startedAt)
    .filter((at): at is string => !!at)
    .sort()[0];
  return {
    key,
    kubeletName: summary.key,
    outcome,
    expected,
    phase: summary.phase,
    ready: summary.ready,
    restarts: summary.restarts,
    reason: summary.reason ?? (outcome === 'failed' ? `phase ${summary.phase}` : undefined),
    runningAfterSeconds: secondsBetween(startedAtMs, started),
    readyAfterSeconds: secondsBetween(startedAtMs, ready?.lastTransitionTime),
  };
}

/**
 * Each pod of a node: the pods of its manifests/ (`expected`, as `namespace/name`) in order, each with what the
 * kubelet lists for it or as missing with `missingReason`; then the pods the kubelet lists that manifests/ does not
 * have. `listed` undefined: the kubelet's pods could not be read, and `unreadOutcome` says what the expected pods are.
 */
export function nodePods(
  expected: { namespace: string; name: string; file?: string }[],
  listed: KubeletPod[] | undefined,
  nodeName: string | undefined,
  startedAtMs: number | undefined,
  missing: { outcome: 'missing' | 'unknown'; reason: string | ((ref: { namespace: string; name: string; file?: string }) => string) },
): PodReport[] {
  const reasonFor = (ref: { namespace: string; name: string; file?: string }) => (typeof missing.reason === 'string' ? missing.reason : missing.reason(ref));
  if (listed === undefined) {
    return expected.map((ref) => ({ key: `${ref.namespace}/${ref.name}`, expected: true, outcome: missing.outcome, reason: reasonFor(ref) }));
  }
  const rows: PodReport[] = [];
  const used = new Set<KubeletPod>();
  for (const ref of expected) {
    const key = `${ref.namespace}/${ref.name}`;
    const pod = listed.find(
      (candidate) =>
        !used.has(candidate) &&
        (candidate.metadata.namespace ?? 'default') === ref.namespace &&
        candidate.metadata.name === `${ref.name}-${candidate.spec?.nodeName ?? nodeName}`,
    );
    if (pod) {
      used.add(pod);
      rows.push(podReport(pod, key, true, startedAtMs));
    } else {
      rows.push({ key, expected: true, outcome: 'missing', reason: reasonFor(ref) });
    }
  }
  for (const pod of listed) {
    if (used.has(pod)) continue;
    const host = pod.spec?.nodeName ?? nodeName;
    const name = host && pod.metadata.name.endsWith(`-${host}`) ? pod.metadata.name.slice(0, -host.length - 1) : pod.metadata.name;
    rows.push(podReport(pod, `${pod.metadata.namespace ?? 'default'}/${name}`, false, startedAtMs));
  }
  return rows;
}

export interface NodeVersions {
  kubelet?: string;
  criDockerd?: string;
  /** The node's own dockerd (server version). */
  docker?: string;
  kicbase?: string;
}

export interface NodeReport {
  name: string;
  /** The node's folder as messages show it. */
  dir: string;
  engine?: string;
  /** The node's container; undefined when it has none (or the node could not be loaded). */
  container?: { name: string; id: string; state: string; startedAt?: string };
  /** The versions the node's files declare (compose build args). */
  declared: NodeVersions;
  /** The versions its binaries report (`kubelet --version`, `cri-dockerd --version`, the node dockerd's). */
  running: NodeVersions;
  kubelet: {
    healthy: boolean;
    /** `systemctl is-active kubelet.service` */
    unit?: string;
    /** systemd's NRestarts of the unit: a crash-looping kubelet has many. */
    restarts?: number;
    /** The kubelet's /pods (read-only API) was read. */
    podsRead: boolean;
  };
  /**
   * What kept the node from being read in full, or makes it unhealthy (no container, container not running, kubelet
   * not healthy…): a node with any is never reported as fine.
   */
  problems: string[];
  pods: PodReport[];
  messages: KubeletMessage[];
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  generatedAt: string;
  /** No pod failed, missing or unknown, and every node was read with a healthy kubelet. */
  ok: boolean;
  /** One line, as the top of report.html and the terminal output. */
  summary: string;
  /** The rows: every pod key of any node, in first-seen order. */
  pods: string[];
  nodes: NodeReport[];
}

/** The report of the nodes' reports: rows, success and the summary line. */
export function buildReport(nodes: NodeReport[], generatedAt = new Date()): Report {
  const pods = [...new Set(nodes.flatMap((node) => node.pods.map((pod) => pod.key)))];
  const counts = new Map<PodOutcome, number>();
  for (const pod of nodes.flatMap((node) => node.pods)) counts.set(pod.outcome, (counts.get(pod.outcome) ?? 0) + 1);
  const unread = nodes.filter((node) => node.problems.length > 0).length;
  const failing = [...FAILING_OUTCOMES].reduce((sum, outcome) => sum + (counts.get(outcome) ?? 0), 0);
  const ok = unread === 0 && failing === 0;
  const parts = (['ready', 'pending', 'failed', 'missing', 'unknown'] as PodOutcome[])
    .filter((outcome) => counts.get(outcome))
    .map((outcome) => `${counts.get(outcome)} ${OUTCOME_LABEL[outcome]}`);
  const summary = [
    `${ok ? 'OK' : 'FAILED'}: ${nodes.length} node${nodes.length === 1 ? '' : 's'}, ${pods.length} pod${pods.length === 1 ? '' : 's'}`,
    parts.length ? parts.join(', ') : 'no pod cells',
    ...(unread ? [`${unread} node${unread === 1 ? '' : 's'} not healthy or not read in full`] : []),
  ].join('; ');
  return { schema: REPORT_SCHEMA, generatedAt: generatedAt.toISOString(), ok, summary, pods, nodes };
}

/** How an outcome reads in every rendering (never colour alone). */
export const OUTCOME_LABEL: Record<PodOutcome, string> = {
  ready: 'ready',
  pending: 'pending',
  failed: 'FAILED',
  missing: 'MISSING',
  unknown: 'UNKNOWN',
};

const LEGEND =
  'ready: Running and ready (or Succeeded); pending: not ready yet; FAILED: will not run by waiting; MISSING: in manifests/ but not started by the kubelet; UNKNOWN: the kubelet\'s pods could not be read; "-": not on that node';

/** A node as a column header says it: name, then its versions (running, else declared). */
export function nodeTitle(node: NodeReport): string {
  const kubelet = node.running.kubelet ?? node.declared.kubelet;
  const criDockerd = node.running.criDockerd ?? node.declared.criDockerd;
  return `${node.name} (kubelet ${kubelet ?? '?'}, cri-dockerd ${criDockerd ?? '?'})`;
}

function nodeState(node: NodeReport): string {
  if (!node.container) return 'no container';
  if (node.container.state !== 'running') return `container ${node.container.state}`;
  return node.kubelet.healthy ? 'kubelet healthy' : `kubelet NOT healthy${node.kubelet.unit ? ` (kubelet.service ${node.kubelet.unit})` : ''}`;
}

function messageCounts(node: NodeReport): string {
  const count = (severity: KubeletMessage['severity']) => {
    const messages = node.messages.filter((message) => message.severity === severity);
    const total = messages.reduce((sum, message) => sum + message.count, 0);
    const byCategory = MESSAGE_CATEGORIES.map(
      (category) => [category, messages.filter((m) => m.category === category).reduce((s, m) => s + m.count, 0)] as const,
    )
      .filter(([, n]) => n > 0)
      .map(([category, n]) => `${category} ${n}`);
    return `${total} ${severity}${total === 1 ? '' : 's'}${byCategory.length ? ` (${byCategory.join(', ')})` : ''}`;
  };
  return `${count('warning')}, ${count('error')}`;
}

/** One cell's text: the outcome word, then the seconds to ready when known. */
function cellText(pod: PodReport | undefined): string {
  if (!pod) return '-';
  const after = pod.readyAfterSeconds ?? (pod.outcome === 'ready' ? pod.runningAfterSeconds : undefined);
  return `${OUTCOME_LABEL[pod.outcome]}${after !== undefined ? ` ${after}s` : ''}${pod.expected ? '' : ' (not in manifests/)'}`;
}

/** The terminal's table: pods as rows, nodes as columns, a legend, then per node its state and message counts. */
export function renderTerminal(report: Report, written?: string): string {
  const headers = ['pod', ...report.nodes.map(nodeTitle)];
  const rows = report.pods.map((key) => [key, ...report.nodes.map((node) => cellText(node.pods.find((pod) => pod.key === key)))]);
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  const lines = [`report: ${report.summary}${written ? ` (written to ${written})` : ''}`, line(headers), ...(rows.length ? rows.map(line) : ['(no pods)'])];
  lines.push(`legend: ${LEGEND}`);
  for (const node of report.nodes) {
    lines.push(`${node.name}: ${nodeState(node)}; kubelet journal: ${messageCounts(node)}`);
    for (const problem of node.problems) lines.push(`  ${problem}`);
    for (const pod of node.pods.filter((pod) => FAILING_OUTCOMES.has(pod.outcome) && pod.reason)) lines.push(`  ${pod.key}: ${pod.reason}`);
  }
  return lines.join('\n');
}

/** Characters XML 1.0 does not allow at all (not even escaped). */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Text or an attribute value, escaped for XML (and HTML): & < > " ' and the characters XML forbids dropped. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function messageLines(messages: KubeletMessage[]): string {
  return messages.map((message) => `[${message.severity} ${message.category}${message.count > 1 ? ` x${message.count}` : ''}] ${message.text}`).join('\n');
}

/**
 * JUnit XML: one <testsuite> per node named with its versions, one <testcase> per pod (a <failure> with the reason and
 * the kubelet's warnings and errors for a failed, missing or unknown pod), and a testcase `kubelet` per node that
 * fails when the node was not read in full or its kubelet is not healthy.
 */
export function renderJunit(report: Report): string {
  const attributes = (values: Record<string, string | number>) =>
    Object.entries(values)
      .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
      .join('');
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const suites = report.nodes.map((node) => {
    const cases: { name: string; time?: number; failure?: { type: string; message: string }; out?: string; own?: KubeletMessage[] }[] = [];
    const journal = messageLines(node.messages);
    cases.push({
      name: 'kubelet',
      failure: node.problems.length ? { type: 'node', message: node.problems.join('; ') } : undefined,
      out: nodeState(node),
    });
    for (const pod of node.pods) {
      const failing = FAILING_OUTCOMES.has(pod.outcome);
      cases.push({
        name: pod.key,
        time: pod.readyAfterSeconds ?? pod.runningAfterSeconds,
        failure: failing ? { type: pod.outcome, message: `${OUTCOME_LABEL[pod.outcome]}: ${pod.reason ?? 'no reason given'}` } : undefined,
        own: pod.messages,
        out: `${OUTCOME_LABEL[pod.outcome]}${pod.phase ? `, phase ${pod.phase}` : ''}${pod.ready ? `, ${pod.ready} ready` : ''}${pod.restarts !== undefined ? `, ${pod.restarts} restarts` : ''}${pod.reason ? `: ${pod.reason}` : ''}`,
      });
    }
    const failures = cases.filter((testcase) => testcase.failure).length;
    const body = cases.map((testcase) => {
      const inner = [
        ...(testcase.failure
          ? [
              `      <failure${attributes({ type: testcase.failure.type, message: testcase.failure.message })}>${escapeXml(
                [
                  testcase.failure.message,
                  ...(testcase.own?.length ? ["the kubelet's warnings and errors about this pod:", messageLines(testcase.own)] : []),
                  ...(journal ? ["the kubelet's warnings and errors:", journal] : []),
                ].join('\n'),
              )}</failure>`,
            ]
          : []),
        ...(testcase.out ? [`      <system-out>${escapeXml(testcase.out)}</system-out>`] : []),
      ];
      return `    <testcase${attributes({ classname: node.name, name: testcase.name, ...(testcase.time !== undefined ? { time: Math.max(0, testcase.time) } : {}) })}>\n${inner.join('\n')}\n    </testcase>`;
    });
    const properties = [
      ...(['kubelet', 'criDockerd', 'docker', 'kicbase'] as const).flatMap((name) => [
        ...(node.running[name] ? [[`running.${name}`, node.running[name]!]] : []),
        ...(node.declared[name] ? [[`declared.${name}`, node.declared[name]!]] : []),
      ]),
      ...(node.engine ? [['engine', node.engine]] : []),
    ].map(([name, value]) => `      <property${attributes({ name, value })}/>`);
    return [
      `  <testsuite${attributes({ name: nodeTitle(node), tests: cases.length, failures, errors: 0, skipped: 0, timestamp: report.generatedAt.replace(/\.\d+Z$/, '') })}>`,
      `    <properties>\n${properties.join('\n')}\n    </properties>`,
      ...body,
      ...(journal ? [`    <system-err>${escapeXml(journal)}</system-err>`] : []),
      '  </testsuite>',
    ].join('\n');
  });
  const tests = report.nodes.reduce((sum, node) => sum + node.pods.length + 1, 0);
  const failures = report.nodes.reduce(
    (sum, node) => sum + node.pods.filter((pod) => FAILING_OUTCOMES.has(pod.outcome)).length + (node.problems.length ? 1 : 0),
    0,
  );
  out.push(`<testsuites${attributes({ name: 'kubelet-node report', tests, failures, errors: 0 })}>`, ...suites, '</testsuites>', '');
  return out.join('\n');
}

const CELL_CLASS: Record<PodOutcome, string> = { ready: 'ok', pending: 'warn', failed: 'bad', missing: 'bad', unknown: 'bad' };

/**
 * report.html: one self-contained page (inline CSS, no script, nothing fetched): the summary line, then a table with
 * the nodes as columns (their versions in the headers) and the pods as rows, each cell coloured by outcome and saying
 * it in words, its details (phase, readiness, restarts, reason, times) one click away; then per node its state,
 * versions and the kubelet's warnings and errors.
 */
export function renderHtml(report: Report): string {
  const e = escapeXml;
  const header = (node: NodeReport) => {
    const versions = (['kubelet', 'criDockerd', 'docker', 'kicbase'] as const)
      .map((name) => {
        const running = node.running[name];
        const declared = node.declared[name];
        if (!running && !declared) return undefined;
        const label = name === 'criDockerd' ? 'cri-dockerd' : name;
        return `${label} ${running ?? declared}${running && declared && !running.includes(declared.replace(/^v/, '')) ? ` (declared ${declared})` : ''}`;
      })
      .filter(Boolean);
    const state = nodeState(node);
    return `<th scope="col"><div class="node">${e(node.name)}</div><div class="versions">${versions.map((v) => e(v!)).join('<br>')}</div><div class="${node.problems.length ? 'state bad-text' : 'state'}">${e(state)}</div></th>`;
  };
  const cell = (node: NodeReport, key: string) => {
    const pod = node.pods.find((candidate) => candidate.key === key);
    if (!pod) return '<td class="none">- <span class="sub">not on this node</span></td>';
    const details = [
      ['outcome', OUTCOME_LABEL[pod.outcome]],
      ['pod', pod.kubeletName],
      ['phase', pod.phase],
      ['ready', pod.ready],
      ['restarts', pod.restarts === undefined ? undefined : String(pod.restarts)],
      ['reason', pod.reason],
      ['running after', pod.runningAfterSeconds === undefined ? undefined : `${pod.runningAfterSeconds} s from the node's start`],
      ['ready after', pod.readyAfterSeconds === undefined ? undefined : `${pod.readyAfterSeconds} s from the node's start`],
      ['in manifests/', pod.expected ? 'yes' : 'no'],
    ].filter((row): row is [string, string] => row[1] !== undefined);
    const own = pod.messages?.length
      ? `<p>The kubelet about this pod:</p><ul class="messages">${pod.messages
          .map(
            (message) =>
              `<li class="${message.severity === 'error' ? 'bad' : 'warn'}">${e(message.severity)} ${e(message.category)}${message.count > 1 ? ` x${message.count}` : ''}: <code>${e(message.text)}</code></li>`,
          )
          .join('')}</ul>`
      : '';
    const journal = `${own}${FAILING_OUTCOMES.has(pod.outcome) && node.messages.length ? `<p>All the kubelet's warnings and errors: under ${e(node.name)} below.</p>` : ''}`;
    return `<td class="${CELL_CLASS[pod.outcome]}" data-outcome="${pod.outcome}"><details><summary>${e(cellText(pod))}</summary><dl>${details
      .map(([name, value]) => `<dt>${e(name)}</dt><dd>${e(value)}</dd>`)
      .join('')}</dl>${journal}</details></td>`;
  };
  const nodeSection = (node: NodeReport) => {
    const rows = node.messages
      .map(
        (message) =>
          `<tr class="${message.severity === 'error' ? 'bad' : 'warn'}"><td>${e(message.severity)}</td><td>${e(message.category)}</td><td>${message.count}</td><td><code>${e(message.text)}</code></td></tr>`,
      )
      .join('\n');
    // The folder as the node's report has it (a NodeReport's, shown as the front-end shows it).
    const { dir: folder } = node;
    const facts = [
      ['folder', folder],
      ['engine', node.engine],
      ['container', node.container ? `${node.container.name} (${node.container.id.slice(0, 12)}): ${node.container.state}` : 'none'],
      ['started', node.container?.startedAt],
      [
        'kubelet.service',
        node.kubelet.unit === undefined ? undefined : `${node.kubelet.unit}${node.kubelet.restarts ? `, ${node.kubelet.restarts} restarts` : ''}`,
      ],
      ...(['kubelet', 'criDockerd', 'docker', 'kicbase'] as const).map((name) => [
        name === 'criDockerd' ? 'cri-dockerd' : name,
        [node.running[name] && `running ${node.running[name]}`, node.declared[name] && `declared ${node.declared[name]}`].filter(Boolean).join(', ') ||
          undefined,
      ]),
    ].filter((row): row is [string, string] => row[1] !== undefined);
    return `<section id="node-${e(node.name)}"><details${node.problems.length || node.messages.some((m) => m.severity === 'error') ? ' open' : ''}><summary><strong>${e(node.name)}</strong>: ${e(nodeState(node))}; kubelet journal: ${e(messageCounts(node))}</summary>
${node.problems.length ? `<ul class="problems">${node.problems.map((problem) => `<li>${e(problem)}</li>`).join('')}</ul>` : ''}
<dl>${facts.map(([name, value]) => `<dt>${e(name)}</dt><dd>${e(value)}</dd>`).join('')}</dl>
${rows ? `<table class="messages"><thead><tr><th>severity</th><th>category</th><th>count</th><th>message</th></tr></thead><tbody>\n${rows}\n</tbody></table>` : "<p>No warnings or errors in the kubelet's journal since the container started.</p>"}
</details></section>`;
  };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kubelet-node report: ${e(report.summary)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1b1b1b; }
.summary { font-size: 1.2em; font-weight: 600; padding: .5em .8em; border-radius: 4px; }
.summary.ok { background: #d8f5d8; } .summary.bad { background: #fbd9d6; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #999; padding: .35em .6em; vertical-align: top; text-align: left; }
th .versions, .sub { font-weight: normal; font-size: .85em; color: #333; }
td.ok { background: #c9f0c9; } td.warn, tr.warn { background: #fde9b0; } td.bad, tr.bad { background: #f8c4bf; }
td.none { color: #666; } ul.messages { padding-left: 1.2em; } li.warn { background: #fde9b0; } li.bad { background: #f8c4bf; } .bad-text { color: #a10000; }
summary { cursor: pointer; } dl { display: grid; grid-template-columns: max-content auto; gap: .1em .8em; margin: .4em 0; }
dt { font-weight: 600; } dd { margin: 0; } code { white-space: pre-wrap; word-break: break-word; }
</style>
</head>
<body>
<h1>kubelet-node report</h1>
<p class="summary ${report.ok ? 'ok' : 'bad'}">${e(report.summary)}</p>
<p class="sub">Generated ${e(report.generatedAt)}. ${e(LEGEND)}.</p>
<table class="matrix">
<thead><tr><th scope="col">pod</th>${report.nodes.map(header).join('')}</tr></thead>
<tbody>
${report.pods.length ? report.pods.map((key) => `<tr><th scope="row">${e(key)}</th>${report.nodes.map((node) => cell(node, key)).join('')}</tr>`).join('\n') : `<tr><td colspan="${report.nodes.length + 1}">No pods.</td></tr>`}
</tbody>
</table>
<h2>Nodes</h2>
${report.nodes.map(nodeSection).join('\n')}
</body>
</html>
`;
}
