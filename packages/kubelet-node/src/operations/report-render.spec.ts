import type { KubeletPod } from './pods';
import {
  buildReport,
  classifyMessage,
  escapeXml,
  NodeReport,
  nodePods,
  parseKubeletJournal,
  podMessages,
  podReport,
  renderHtml,
  renderJunit,
  renderTerminal,
  REPORT_SCHEMA,
  whyKubeletDown,
} from './report-render';

/** Real kubelet lines (v1.34/v1.37, journalctl -o cat), with what report makes of them. */
const JOURNAL = [
  'Flag --pod-infra-container-image has been deprecated, will be removed in 1.35. Image garbage collector will get sandbox image information from CRI.',
  'I1202 10:00:00.000000     123 server.go:529] "Kubelet version" kubeletVersion="v1.34.4"',
  'W1202 10:00:00.000000     123 feature_gate.go:351] Setting GA feature gate KubeletCgroupDriverFromCRI=true. It will be removed in a future release.',
  'W1202 10:00:01.000000     123 feature_gate.go:351] Setting GA feature gate KubeletCgroupDriverFromCRI=true. It will be removed in a future release.',
  'W1202 10:00:00.100000     123 codec.go:94] "Using lenient decoding as strict decoding failed" err="strict decoding error: unknown field \\"podInfraImage\\""',
  'E1202 10:00:00.200000     123 run.go:72] "command failed" err="failed to validate kubelet configuration, error: invalid configuration: cgroupDriver \\"foo\\" must be cgroupfs or systemd"',
  'Error: unknown flag: --network-plugin',
  'kubelet.service: Main process exited, code=exited, status=1/FAILURE',
  'W1202 10:00:02.000000     123 server.go:1020] "Flag --cloud-provider is deprecated"',
  'I1202 10:00:03.000000     123 kubelet.go:100] "Failed to get something, retrying" (an info line: left out)',
  'just a plain info line',
].join('\n');

describe('the kubelet journal', () => {
  const messages = parseKubeletJournal(JOURNAL);

  it('keeps warnings and errors, classified, deduplicated with a count; leaves info lines out', () => {
    expect(messages).toEqual([
      {
        severity: 'warning',
        category: 'deprecated',
        count: 1,
        text: 'Flag --pod-infra-container-image has been deprecated, will be removed in 1.35. Image garbage collector will get sandbox image information from CRI.',
      },
      {
        severity: 'warning',
        category: 'feature-gate',
        count: 2,
        text: 'Setting GA feature gate KubeletCgroupDriverFromCRI=true. It will be removed in a future release.',
      },
      {
        severity: 'warning',
        category: 'unknown-field',
        count: 1,
        text: '"Using lenient decoding as strict decoding failed" err="strict decoding error: unknown field \\"podInfraImage\\""',
      },
      {
        severity: 'error',
        category: 'config-rejected',
        count: 1,
        text: '"command failed" err="failed to validate kubelet configuration, error: invalid configuration: cgroupDriver \\"foo\\" must be cgroupfs or systemd"',
      },
      { severity: 'error', category: 'removed-flag', count: 1, text: 'Error: unknown flag: --network-plugin' },
      { severity: 'error', category: 'other', count: 1, text: 'kubelet.service: Main process exited, code=exited, status=1/FAILURE' },
      { severity: 'warning', category: 'deprecated', count: 1, text: '"Flag --cloud-provider is deprecated"' },
    ]);
  });

  it('classifies the usual messages', () => {
    expect(classifyMessage('Setting deprecated feature gate DevicePluginCDIDevices=true. It will be removed in a future release.')).toBe('feature-gate');
    expect(classifyMessage('unrecognized feature gate: Foo')).toBe('config-rejected');
    expect(classifyMessage('"failed to run Kubelet" err="failed to create kubelet: ..."')).toBe('config-rejected');
    expect(classifyMessage('flag provided but not defined: -experimental-foo')).toBe('removed-flag');
    expect(classifyMessage('"Unable to read config path" path="/etc/kubernetes/manifests"')).toBe('other');
  });

  it("counts a library's logrus lines (runc's cgroup code) once per message, at their own level, without their time", () => {
    const journal = [
      'time="2026-12-02T22:24:28Z" level=warning msg="Failed to remove cgroup (will retry)" error="rmdir /sys/fs/cgroup/hugetlb/kubepods: device or resource busy"',
      'time="2026-12-02T22:24:29Z" level=warning msg="Failed to remove cgroup (will retry)" error="rmdir /sys/fs/cgroup/hugetlb/kubepods: device or resource busy"',
      'time="2026-12-02T22:24:30Z" level=error msg="Failed to remove cgroup" error="rmdir /sys/fs/cgroup/hugetlb/kubepods: device or resource busy"',
      'time="2026-12-02T22:24:30Z" level=info msg="using the \\"x\\" runtime"',
    ].join('\n');
    expect(parseKubeletJournal(journal)).toEqual([
      {
        severity: 'warning',
        category: 'other',
        text: 'Failed to remove cgroup (will retry) error="rmdir /sys/fs/cgroup/hugetlb/kubepods: device or resource busy"',
        count: 2,
      },
      {
        severity: 'error',
        category: 'other',
        text: 'Failed to remove cgroup error="rmdir /sys/fs/cgroup/hugetlb/kubepods: device or resource busy"',
        count: 1,
      },
    ]);
  });

  it("says why the kubelet is down: its rejected configuration before systemd's exit line", () => {
    expect(whyKubeletDown(messages)).toContain('failed to validate kubelet configuration');
    expect(whyKubeletDown(parseKubeletJournal("kubelet.service: Failed with result 'exit-code'."))).toBe("kubelet.service: Failed with result 'exit-code'.");
    expect(whyKubeletDown([])).toBeUndefined();
  });
});

const pod = (name: string, status: KubeletPod['status']): KubeletPod => ({
  metadata: { name, namespace: 'default' },
  spec: { nodeName: 'node1', containers: [{ name: 'c' }] },
  status,
});
const START = Date.parse('2026-12-02T10:00:00.000Z');

describe("a pod's own messages", () => {
  it('are the messages that name it as the kubelet does, whole', () => {
    const messages = parseKubeletJournal(
      [
        'E1202 10:00:01.000000     123 pod_workers.go:1301] "Error syncing pod, skipping" err="failed to \\"StartContainer\\"" pod="default/web-node1" podUID="abc"',
        'E1202 10:00:02.000000     123 kuberuntime_sandbox.go:72] "Failed to create sandbox for pod" err="boom" pod="default/api-web-node1"',
        'W1202 10:00:03.000000     123 kubelet.go:100] "Unable to attach or mount volumes" unmountedVolumes=[data] pod="web-node1_default(abc)"',
        'W1202 10:00:04.000000     123 kubelet.go:100] "Pod web-node10 is slow"',
      ].join('\n'),
    );
    expect(podMessages(messages, 'web-node1').map((message) => message.text.slice(0, 30))).toEqual([
      '"Error syncing pod, skipping" ',
      '"Unable to attach or mount vol',
    ]);
    expect(podMessages(messages, 'api-web-node1')).toHaveLength(1);
  });
});

describe('each pod', () => {
  it('ready with its times from the node start; pending; failed; missing', () => {
    const running = pod('web-node1', {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-02T10:00:12Z' }],
      containerStatuses: [{ name: 'c', ready: true, state: { running: { startedAt: '2026-12-02T10:00:09Z' } } }],
    });
    expect(podReport(running, 'default/web', true, START)).toMatchObject({ outcome: 'ready', readyAfterSeconds: 12, runningAfterSeconds: 9, ready: '1/1' });
    const rows = nodePods(
      [
        { namespace: 'default', name: 'web' },
        { namespace: 'default', name: 'wait' },
        { namespace: 'default', name: 'crash' },
        { namespace: 'default', name: 'gone' },
      ],
      [
        running,
        pod('wait-node1', { phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] }),
        pod('crash-node1', { phase: 'Running', containerStatuses: [{ name: 'c', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }),
        pod('extra-node1', { phase: 'Running', containerStatuses: [{ name: 'c', ready: true }] }),
      ],
      'node1',
      START,
      { outcome: 'missing', reason: 'not started' },
    );
    expect(rows.map((row) => [row.key, row.outcome, row.expected])).toEqual([
      ['default/web', 'ready', true],
      ['default/wait', 'pending', true],
      ['default/crash', 'failed', true],
      ['default/gone', 'missing', true],
      ['default/extra', 'ready', false],
    ]);
    expect(rows[2]).toMatchObject({ restarts: 4, reason: 'c: CrashLoopBackOff' });
    expect(rows[3].reason).toBe('not started');
  });

  it('pods not read: every expected pod takes the given outcome and reason', () => {
    expect(nodePods([{ namespace: 'kube-system', name: 'a' }], undefined, undefined, undefined, { outcome: 'unknown', reason: 'why' })).toEqual([
      { key: 'kube-system/a', expected: true, outcome: 'unknown', reason: 'why' },
    ]);
  });
});

/** Two nodes: one fine, one whose kubelet rejected its configuration (its pod missing), with text to escape. */
function twoNodes(): NodeReport[] {
  const base = (name: string): NodeReport => ({
    name,
    dir: `nodes/${name}`,
    engine: 'the default engine',
    container: { name: `${name}-1`, id: 'abcdef0123456789', state: 'running', startedAt: '2026-12-02T10:00:00.000Z' },
    declared: { kubelet: 'v1.34.4', criDockerd: 'v0.3.17' },
    running: { kubelet: 'v1.34.4', criDockerd: 'v0.3.17', docker: '26.1.5' },
    kubelet: { healthy: true, unit: 'active', restarts: 0, podsRead: true },
    problems: [],
    pods: [
      {
        key: 'default/web<&">',
        kubeletName: 'default/web-a',
        outcome: 'ready',
        expected: true,
        phase: 'Running',
        ready: '1/1',
        restarts: 0,
        readyAfterSeconds: 12,
      },
    ],
    messages: [{ severity: 'warning', category: 'deprecated', text: 'Flag --x has been deprecated <soon> & "then"', count: 3 }],
  });
  const broken = base('b');
  broken.running = { kubelet: 'v1.37.2', criDockerd: 'v0.4.3', docker: '26.1.5' };
  broken.declared = { kubelet: 'v1.37.2', criDockerd: 'v0.4.3' };
  broken.kubelet = { healthy: false, unit: 'activating', restarts: 7, podsRead: false };
  broken.problems = ['kubelet NOT healthy (/healthz did not answer; kubelet.service activating): failed to validate <config>'];
  broken.pods = [
    {
      key: 'default/web<&">',
      outcome: 'missing',
      expected: true,
      reason: 'not started: the kubelet is not running: failed to validate <config>',
      messages: [{ severity: 'error', category: 'other', text: 'Error syncing pod "web-b" <x>', count: 2 }],
    },
  ];
  broken.messages = [{ severity: 'error', category: 'config-rejected', text: '"command failed" err="failed to validate <config>"', count: 1 }];
  return [base('a'), broken];
}

/**
 * A small XML reader for the tests: checks that the document is well formed (balanced tags, quoted attributes, only
 * the five entities, no raw < or & in text) and gives its elements with their attributes and text, unescaped.
 */
function readXml(xml: string): { name: string; attributes: Record<string, string>; text: string; path: string[] }[] {
  const unescape = (text: string) => {
    expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name]!);
  };
  const body = xml.replace(/^<\?xml [^>]*\?>\n/, '');
  const elements: { name: string; attributes: Record<string, string>; text: string; path: string[] }[] = [];
  const open: { name: string; attributes: Record<string, string>; text: string; path: string[] }[] = [];
  const token = /<(\/?)([\w-]+)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(body))) {
    consumed = token.lastIndex;
    if (match[5] !== undefined) {
      if (open.length) open[open.length - 1].text += unescape(match[5]);
      else expect(match[5].trim()).toBe('');
      continue;
    }
    const [, closing, name, rawAttributes, selfClosing] = match;
    if (closing) {
      expect(open.pop()?.name).toBe(name);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const attribute of rawAttributes.matchAll(/([\w.-]+)="([^"]*)"/g)) attributes[attribute[1]] = unescape(attribute[2]);
    const element = { name, attributes, text: '', path: [...open.map((parent) => parent.name), name] };
    elements.push(element);
    if (!selfClosing) open.push(element);
  }
  expect(consumed).toBe(body.length);
  expect(open).toEqual([]);
  return elements;
}

describe('the report', () => {
  const report = buildReport(twoNodes(), new Date('2026-12-02T10:05:00.000Z'));

  it('fails when a pod is missing or a node is not healthy, and says so in one line', () => {
    expect(report).toMatchObject({ schema: REPORT_SCHEMA, ok: false, pods: ['default/web<&">'] });
    expect(report.summary).toBe('FAILED: 2 nodes, 1 pod; 1 ready, 1 MISSING; 1 node not healthy or not read in full');
    const fine = twoNodes().slice(0, 1);
    expect(buildReport(fine)).toMatchObject({ ok: true, summary: 'OK: 1 node, 1 pod; 1 ready' });
    const pending = twoNodes().slice(0, 1);
    pending[0].pods[0].outcome = 'pending';
    expect(buildReport(pending).ok).toBe(true);
    const failed = twoNodes().slice(0, 1);
    failed[0].pods[0].outcome = 'failed';
    expect(buildReport(failed).ok).toBe(false);
  });

  it('junit.xml: well formed, one testsuite per node named with its versions, a failure for the missing pod with the messages', () => {
    const elements = readXml(renderJunit(report));
    const suites = elements.filter((element) => element.name === 'testsuite');
    expect(suites.map((suite) => suite.attributes.name)).toEqual(['a (kubelet v1.34.4, cri-dockerd v0.3.17)', 'b (kubelet v1.37.2, cri-dockerd v0.4.3)']);
    expect(suites.map((suite) => [suite.attributes.tests, suite.attributes.failures])).toEqual([
      ['2', '0'],
      ['2', '2'],
    ]);
    const cases = elements.filter((element) => element.name === 'testcase');
    expect(cases.map((testcase) => `${testcase.attributes.classname} ${testcase.attributes.name}`)).toEqual([
      'a kubelet',
      'a default/web<&">',
      'b kubelet',
      'b default/web<&">',
    ]);
    expect(cases[1].attributes.time).toBe('12');
    const failures = elements.filter((element) => element.name === 'failure');
    expect(failures).toHaveLength(2);
    expect(failures[1].attributes).toMatchObject({ type: 'missing', message: 'MISSING: not started: the kubelet is not running: failed to validate <config>' });
    expect(failures[1].text).toContain(`the kubelet's warnings and errors about this pod:\n[error other x2] Error syncing pod "web-b" <x>\n`);
    expect(failures[1].text).toContain(`the kubelet's warnings and errors:\n[error config-rejected] "command failed" err="failed to validate <config>"`);
    const properties = elements.filter((element) => element.name === 'property' && element.path.includes('testsuite'));
    expect(properties.find((property) => property.attributes.name === 'running.kubelet')?.attributes.value).toBe('v1.34.4');
    expect(elements[0]).toMatchObject({ name: 'testsuites', attributes: { tests: '4', failures: '2' } });
  });

  it('escapes the five XML characters and drops the ones XML forbids', () => {
    expect(escapeXml(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });

  it('report.html: self-contained, one column per node with its versions, a missing cell says so in words, all text escaped', () => {
    const html = renderHtml(report);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
    expect(html).not.toContain('web<&">');
    expect(html).toContain('default/web&lt;&amp;&quot;&gt;');
    expect(html).toContain('Flag --x has been deprecated &lt;soon&gt; &amp; &quot;then&quot;');
    const head = /<thead>([\s\S]*?)<\/thead>/.exec(html)![1];
    expect(head.match(/<th scope="col">/g)).toHaveLength(3); // the pod column and one per node
    expect(head).toContain('kubelet v1.34.4');
    expect(head).toContain('cri-dockerd v0.4.3');
    const row = /<tbody>\n<tr>([\s\S]*?)<\/tr>/.exec(html)![1];
    const cells = [...row.matchAll(/<td class="(\w+)" data-outcome="(\w+)"><details><summary>([^<]*)<\/summary>/g)].map((cell) => cell.slice(1));
    expect(cells).toEqual([
      ['ok', 'ready', 'ready 12s'],
      ['bad', 'missing', 'MISSING'],
    ]);
    expect(html).toContain('<p class="summary bad">FAILED: 2 nodes, 1 pod; 1 ready, 1 MISSING');
    // The missing cell's own messages, one click away in it.
    expect(html).toContain('<li class="bad">error other x2: <code>Error syncing pod &quot;web-b&quot; &lt;x&gt;</code></li>');
    // The broken node's messages are one click away, open because it has errors.
    expect(html).toMatch(/<section id="node-b"><details open><summary><strong>b<\/strong>: kubelet NOT healthy/);
  });

  it('the terminal: pods by nodes, a legend, each node with its message counts and problems', () => {
    const text = renderTerminal(report, 'dist/kubelet-report/matrix');
    const lines = text.split('\n');
    expect(lines[0]).toBe(`report: ${report.summary} (written to dist/kubelet-report/matrix)`);
    expect(lines[1]).toMatch(/^pod +a \(kubelet v1\.34\.4, cri-dockerd v0\.3\.17\) +b \(kubelet v1\.37\.2, cri-dockerd v0\.4\.3\)$/);
    expect(lines[2]).toMatch(/^default\/web<&"> +ready 12s +MISSING$/);
    expect(lines[3]).toMatch(/^legend: ready: Running and ready/);
    expect(lines[4]).toBe('a: kubelet healthy; kubelet journal: 3 warnings (deprecated 3), 0 errors');
    expect(lines[5]).toBe('b: kubelet NOT healthy (kubelet.service activating); kubelet journal: 0 warnings, 1 error (config-rejected 1)');
    expect(lines[6]).toContain('failed to validate <config>');
  });
});
