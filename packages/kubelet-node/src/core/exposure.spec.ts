/**
 * The exposure check as a table: every way to open a node's unauthenticated kubelet beyond the container's loopback
 * that we could think of, each found, on what the node would really run (interpolated compose values, flags over
 * kubelet.yaml, the last of a repeated flag); the ways that are safe stay quiet.
 */
import { ComposeInterpolationError, interpolateCompose, isLoopback, kubeletListeners, nodeExposure, UnreadableNodeFileError } from './exposure';
import { loadNodeTemplates } from './load-templates';
import { FrontEnd } from './front-end';
import { resolveNode } from './node-model';
import { NodeFiles } from './node-files';
import { renderNode } from './render-node';

const workspace = { hasProject: () => false, directoryHasFiles: () => false };
const frontEnd: FrontEnd = { command: (op, node) => `run ${op} ${node}`, versionsHowTo: () => 'Versions.', provenance: 'Made here.', ownership: 'Yours.' };
const generated = renderNode(resolveNode({ name: 'n' }, workspace), loadNodeTemplates(), frontEnd);

type Edit = (files: NodeFiles) => NodeFiles;
const compose =
  (edit: (text: string) => string): Edit =>
  (files) => ({ ...files, 'compose.yaml': edit(files['compose.yaml']) });
const kubelet =
  (edit: (text: string) => string): Edit =>
  (files) => ({ ...files, 'kubelet.yaml': edit(files['kubelet.yaml']) });
const unit =
  (edit: (text: string) => string): Edit =>
  (files) => ({ ...files, 'units/kubelet.service': edit(files['units/kubelet.service']) });
const flags = (...added: string[]): Edit => unit((text) => text.replace(/^(ExecStart=.*)$/m, `$1 ${added.join(' ')}`));
const ports = (...entries: string[]): Edit =>
  compose((text) => text.replace('    hostname: n\n', `    hostname: n\n    ports:\n${entries.map((entry) => `      - ${entry}\n`).join('')}`));
const service = (key: string, value: string): Edit => compose((text) => text.replace('    hostname: n\n', `    hostname: n\n    ${key}: ${value}\n`));
const both =
  (...edits: Edit[]): Edit =>
  (files) =>
    edits.reduce((out, edit) => edit(out), files);
const findings = (edit: Edit, env: Record<string, string> = {}) => nodeExposure(edit(generated), 'n', env);

describe('the exposure check', () => {
  it('finds nothing in a generated node (loopback only, no ports, no host network)', () => {
    expect(findings((files) => files)).toEqual([]);
    expect(kubeletListeners(generated).map(({ what, port, address, open }) => ({ what, port, address, open }))).toEqual([
      { what: 'API', port: 10250, address: '127.0.0.1', open: true },
      { what: 'read-only API', port: 10255, address: '127.0.0.1', open: true },
      { what: 'healthz', port: 10248, address: '127.0.0.1', open: true },
    ]);
  });

  it.each<[string, Edit, Record<string, string>?]>([
    ['address: 0.0.0.0 in kubelet.yaml', kubelet((t) => t.replace('address: 127.0.0.1', 'address: 0.0.0.0'))],
    ['address removed from kubelet.yaml (the default is 0.0.0.0)', kubelet((t) => t.replace('address: 127.0.0.1\n', ''))],
    ['address: "::" (every IPv6 address)', kubelet((t) => t.replace('address: 127.0.0.1', 'address: "::"'))],
    ['a container IP as address', kubelet((t) => t.replace('address: 127.0.0.1', 'address: 172.17.0.2'))],
    ['healthzBindAddress: 0.0.0.0', kubelet((t) => t.replace('healthzBindAddress: 127.0.0.1', 'healthzBindAddress: 0.0.0.0'))],
    ['--address=0.0.0.0 flag over a loopback kubelet.yaml', flags('--address=0.0.0.0')],
    ['--address 0.0.0.0 (separate value)', flags('--address', '0.0.0.0')],
    ['a quoted "--address=0.0.0.0"', flags('"--address=0.0.0.0"')],
    ['--address repeated: the last one wins', flags('--address=127.0.0.1', '--address=0.0.0.0')],
    ['--address on a continuation line', unit((t) => t.replace(/^(ExecStart=.*)$/m, '$1 \\\n  --address=0.0.0.0'))],
    ['--healthz-bind-address=0.0.0.0', flags('--healthz-bind-address=0.0.0.0')],
    ["no --config: the flags' wide-open defaults", unit((t) => t.replace(/ --config=\S+/, ''))],
    ['--address=0.0.0.0 with network_mode: host', both(flags('--address=0.0.0.0'), service('network_mode', 'host'))],
    ["network_mode: host (the host's loopback is every local user's)", service('network_mode', 'host')],
    ['network_mode interpolated to host', service('network_mode', '${NET:-host}')],
    ['network_mode: service:other (the node shares another namespace)', service('network_mode', '"service:other"')],
    [
      "a sidecar in the node's namespace",
      compose((t) =>
        t
          .replace('volumes:\n  # Named', 'volumes:\n  # Named')
          .replace(/\nvolumes:\n/, '\n  sidecar:\n    image: alpine\n    network_mode: service:n\nvolumes:\n'),
      ),
    ],
    ['"10250:10250" (every interface)', ports('"10250:10250"')],
    ['"10250" (a random host port on every interface)', ports('"10250"')],
    ['10250 as a number', ports('10250')],
    ['"0.0.0.0:10250:10250"', ports('"0.0.0.0:10250:10250"')],
    ['"[::]:10250:10250"', ports('"[::]:10250:10250"')],
    ['the read-only port 10255', ports('"10255:10255"')],
    ['the healthz port 10248', ports('"10248:10248"')],
    ['a range that covers 10250', ports('"10248-10255:10248-10255"')],
    ['protocol in upper case', ports('"10250:10250/TCP"')],
    ['interpolation with a default: 10250:${P:-10250}', ports('"10250:${P:-10250}"')],
    ['interpolation from the environment', ports('"${HOST_IP}:10250:10250"'), { HOST_IP: '0.0.0.0' }],
    ['$VAR without braces', ports('"$KPORT:$KPORT"'), { KPORT: '10250' }],
    ['a nested default', ports('"${A:-${B:-10250}}:10250"')],
    ['long syntax without host_ip', ports('{ target: 10250, published: "10250" }')],
    ['long syntax with host_ip 0.0.0.0', ports('{ target: "10250", published: 8080, host_ip: 0.0.0.0, protocol: TCP }')],
    [
      'a moved port published',
      both(
        kubelet((t) => t.replace('port: 10250', 'port: 12000')),
        ports('"12000:12000"'),
      ),
    ],
    ['a moved port by flag published', both(flags('--port=12000'), ports('"12000:12000"'))],
    [
      'ports through a YAML merge key',
      compose((t) => `x-ports: &ports\n  ports: ["10250:10250"]\n${t.replace('    hostname: n\n', '    hostname: n\n    <<: *ports\n')}`),
    ],
  ])('finds %s', (...[, edit, env]) => {
    // (A rest parameter: jest takes a callback with more parameters than the row has values for one awaiting done().)
    const found = findings(edit, env);
    expect(found.length).toBeGreaterThan(0);
    for (const finding of found) expect(finding.message).toMatch(/kubelet/);
  });

  it.each<[string, Edit, Record<string, string>?]>([
    ['"127.0.0.1:10250:10250"', ports('"127.0.0.1:10250:10250"')],
    ['"[::1]:10250:10250"', ports('"[::1]:10250:10250"')],
    ['long syntax on 127.0.0.1', ports('{ target: 10250, published: "10250", host_ip: 127.0.0.1 }')],
    ['another port on every interface', ports('"8080:80"')],
    ['an interpolated loopback address', ports('"${IP:-127.0.0.1}:10250:10250"')],
    ['$$ is a literal dollar, not a variable', compose((t) => t.replace('hostname: n', 'hostname: n\n    labels: { cost: "$$5" }'))],
    [
      'authentication on: anonymous off, API published',
      both(
        kubelet((t) => t.replace(/anonymous:\n {4}enabled: true/, 'anonymous:\n    enabled: false').replace('readOnlyPort: 10255', 'readOnlyPort: 0')),
        ports('"10250:10250"'),
      ),
    ],
    ['authentication on by flags, address 0.0.0.0', both(flags('--anonymous-auth=false', '--address=0.0.0.0', '--read-only-port=0'))],
    ['authorization Webhook by flag', both(flags('--authorization-mode=Webhook', '--address=0.0.0.0', '--read-only-port=0'))],
  ])('stays quiet for %s', (...[, edit, env]) => {
    expect(findings(edit, env)).toEqual([]);
  });

  it('names the file and line', () => {
    const published = ports('"10250:10250"');
    const [finding] = findings(published);
    expect(finding.file).toBe('compose.yaml');
    expect(published(generated)['compose.yaml'].split('\n')[finding.line! - 1]).toContain('10250:10250');
    const [flag] = findings(flags('--address=0.0.0.0'));
    expect(flag).toMatchObject({
      file: 'units/kubelet.service',
      line: generated['units/kubelet.service'].split('\n').findIndex((l) => l.startsWith('ExecStart=')) + 1,
    });
  });

  it('refuses to guess from files that cannot tell', () => {
    const unreadable = (edit: Edit) => () => findings(edit);
    expect(unreadable(kubelet(() => 'address: [unclosed'))).toThrow(UnreadableNodeFileError);
    expect(unreadable(kubelet(() => '- a list'))).toThrow(/not a mapping/);
    expect(unreadable(flags('--address=$ADDR'))).toThrow(/environment variable/);
    expect(unreadable(flags('--config=/etc/other.yaml'))).toThrow(/is not the node's kubelet.yaml/);
    expect(unreadable(compose(() => 'services: {n: [unclosed'))).toThrow(/compose.yaml:1: does not parse/);
    expect(unreadable(ports('"${P:?set P}:10250"'))).toThrow(/required variable P/);
    expect(unreadable(compose((t) => t.replace(/^ {2}n:$/m, '  other:')))).toThrow(/no service "n"/);
  });
});

describe('Compose interpolation', () => {
  it.each([
    ['$$HOME', {}, '$HOME'],
    ['${A}', { A: 'x' }, 'x'],
    ['${A}', {}, ''],
    ['$A-b', { A: 'x' }, 'x-b'],
    ['${A:-d}', { A: '' }, 'd'],
    ['${A-d}', { A: '' }, ''],
    ['${A:+alt}', { A: 'x' }, 'alt'],
    ['${A+alt}', { A: '' }, 'alt'],
    ['${A:-${B:-c}}', {}, 'c'],
    ['a$', {}, 'a$'],
  ])('%s with %j is %j', (text, env, expected) => expect(interpolateCompose(text, env)).toBe(expected));

  it('refuses what Compose refuses', () => {
    expect(() => interpolateCompose('${A:?needed}', {})).toThrow(ComposeInterpolationError);
    expect(() => interpolateCompose('${A', {})).toThrow(ComposeInterpolationError);
  });
});

describe('loopback addresses', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('%s is loopback', (address) =>
    expect(isLoopback(address)).toBe(true),
  );
  it.each(['0.0.0.0', '', '::', 'localhost', '10.0.0.1', '128.0.0.1', '127.0.0.256', '::2', '1::1'])('%j is not', (address) =>
    expect(isLoopback(address)).toBe(false),
  );
});
