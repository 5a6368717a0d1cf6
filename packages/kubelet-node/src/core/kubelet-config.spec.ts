/**
 * A matrix member's kubelet reads kubelet.yaml and then the drop-ins of kubelet.conf.d/ (--config-dir): the settings
 * nx-kubelet reads (exposure, the ports operations poll, the image's inputs) are the ones the kubelet will run with.
 */
import { ContextEntry, imageInputsHash, isIgnored, parseDockerignore } from './image-inputs';
import { FrontEnd } from './front-end';
import { nodeExposure, UnreadableNodeFileError } from './exposure';
import { KUBELET_FIELDS, kubeletConfig, kubeletSetting } from './kubelet-config';
import { loadNodeTemplates } from './load-templates';
import { resolveNode } from './node-model';
import { NodeFiles } from './node-files';
import { renderNode } from './render-node';

const workspace = { hasProject: () => false, directoryHasFiles: () => false };
const frontEnd: FrontEnd = { command: (op, node) => `run ${op} ${node}`, versionsHowTo: () => 'Versions.', provenance: 'Made here.', ownership: 'Yours.' };
const member = renderNode(resolveNode({ name: 'm', matrix: { name: 'edge', directory: 'edge' } }, workspace), loadNodeTemplates(), frontEnd);
const loner = renderNode(resolveNode({ name: 'n' }, workspace), loadNodeTemplates(), frontEnd);
const DROPIN = 'kubelet.conf.d/50-matrix.conf';
const HEADER = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
const withDropins = (files: NodeFiles, dropins: NodeFiles): NodeFiles => ({ ...files, ...dropins });
const lineOf = (text: string, line: string) => text.split('\n').indexOf(line) + 1;

describe("a matrix member's kubelet settings (kubelet.yaml under kubelet.conf.d/*.conf)", () => {
  it('renders a member whose kubelet reads the drop-in folder', () => {
    expect(member['units/kubelet.service']).toContain('--config-dir=/etc/kubernetes/kubelet.conf.d');
    expect(loner['units/kubelet.service']).not.toContain('--config-dir');
  });

  it('takes a drop-in over kubelet.yaml, with the file and line of the drop-in', () => {
    const files = withDropins(member, { [DROPIN]: `${HEADER}healthzPort: 10300\n` });
    expect(kubeletSetting(files, KUBELET_FIELDS.healthzPort)).toEqual({ value: '10300', file: DROPIN, line: 3, setting: 'healthzPort' });
    // What the drop-in does not set stays kubelet.yaml's.
    expect(kubeletSetting(files, KUBELET_FIELDS.port)).toEqual({
      value: '10250',
      file: 'kubelet.yaml',
      line: lineOf(member['kubelet.yaml'], 'port: 10250'),
      setting: 'port',
    });
  });

  it('applies drop-ins in the order the kubelet walks the folder: the later file wins', () => {
    const files = withDropins(member, {
      'kubelet.conf.d/90-last.conf': `${HEADER}healthzPort: 10390\n`,
      'kubelet.conf.d/10-first.conf': `${HEADER}healthzPort: 10310\nreadOnlyPort: 0\n`,
      // A subfolder comes where its name sorts: "50" before "50-matrix.conf" (a walk, not a plain string sort).
      'kubelet.conf.d/50/a.conf': `${HEADER}port: 10350\n`,
      [DROPIN]: `${HEADER}port: 10351\n`,
    });
    const config = kubeletConfig(files);
    expect(config.dropins).toEqual(['kubelet.conf.d/10-first.conf', 'kubelet.conf.d/50/a.conf', DROPIN, 'kubelet.conf.d/90-last.conf']);
    expect(config.setting(KUBELET_FIELDS.healthzPort)).toMatchObject({ value: '10390', file: 'kubelet.conf.d/90-last.conf' });
    expect(config.setting(KUBELET_FIELDS.readOnlyPort)).toMatchObject({ value: '0', file: 'kubelet.conf.d/10-first.conf' });
    expect(config.setting(KUBELET_FIELDS.port)).toMatchObject({ value: '10351', file: DROPIN });
  });

  it('merges nested mappings key by key; a null removes a setting (its default applies), a value replaces a mapping', () => {
    const merged = withDropins(member, { [DROPIN]: `${HEADER}authentication:\n  webhook:\n    enabled: true\n` });
    expect(kubeletSetting(merged, KUBELET_FIELDS.anonymousAuth)).toMatchObject({ value: 'true', file: 'kubelet.yaml' });
    const closed = withDropins(member, { [DROPIN]: `${HEADER}authentication:\n  anonymous:\n    enabled: false\n` });
    expect(kubeletSetting(closed, KUBELET_FIELDS.anonymousAuth)).toEqual({
      value: 'false',
      file: DROPIN,
      line: 5,
      setting: 'authentication.anonymous.enabled',
    });
    const removed = withDropins(member, { [DROPIN]: `${HEADER}address: null\nauthorization: null\n` });
    expect(kubeletSetting(removed, KUBELET_FIELDS.address)).toEqual({ value: '0.0.0.0', file: 'kubelet.yaml' });
    expect(kubeletSetting(removed, KUBELET_FIELDS.authorizationMode).value).toBe('Webhook');
    const replaced = withDropins(member, { [DROPIN]: `${HEADER}authentication: {}\nauthorization: "x"\n` });
    expect(kubeletSetting(replaced, KUBELET_FIELDS.anonymousAuth).value).toBe('true'); // {} merges: nothing removed
    expect(kubeletSetting(replaced, KUBELET_FIELDS.authorizationMode).value).toBe('Webhook'); // "x" replaced the mapping
  });

  it('ignores files that do not end in .conf, and every drop-in without --config-dir', () => {
    const ignored = {
      'kubelet.conf.d/README.md': 'healthzPort: 1',
      'kubelet.conf.d/60.yaml': `${HEADER}healthzPort: 2\n`,
      'kubelet.conf.d/70.conf.bak': ': [',
    };
    expect(kubeletSetting(withDropins(member, ignored), KUBELET_FIELDS.healthzPort)).toMatchObject({ value: '10248', file: 'kubelet.yaml' });
    const files = withDropins(loner, { [DROPIN]: `${HEADER}healthzPort: 10300\naddress: 0.0.0.0\n` });
    expect(kubeletConfig(files).dropins).toEqual([]);
    expect(kubeletSetting(files, KUBELET_FIELDS.healthzPort)).toMatchObject({ value: '10248', file: 'kubelet.yaml' });
    expect(nodeExposure(files, 'n')).toEqual([]);
  });

  it('lets flags win over drop-ins', () => {
    const unit = member['units/kubelet.service'].replace(/^(ExecStart=.*)$/m, '$1 --healthz-port=10400');
    const files = withDropins({ ...member, 'units/kubelet.service': unit }, { [DROPIN]: `${HEADER}healthzPort: 10300\n` });
    expect(kubeletSetting(files, KUBELET_FIELDS.healthzPort)).toMatchObject({ value: '10400', file: 'units/kubelet.service', setting: '--healthz-port' });
  });

  it.each([
    [
      'another folder',
      '--config-dir=/etc/kubelet.d',
      /--config-dir=\/etc\/kubelet\.d is not the node's kubelet\.conf\.d\/ .*cannot tell what the kubelet will run with/,
    ],
    ['an environment variable', '--config-dir=${DROPINS}', /--config-dir=\$\{DROPINS\} comes from an environment variable: cannot tell/],
  ])('refuses a --config-dir naming %s', (_, flag, message) => {
    const unit = member['units/kubelet.service'].replace(/--config-dir=\S+/, flag);
    const files = { ...member, 'units/kubelet.service': unit };
    expect(() => kubeletConfig(files)).toThrow(UnreadableNodeFileError);
    expect(() => kubeletConfig(files)).toThrow(message);
    expect(() => nodeExposure(files, 'm')).toThrow(message);
    // The trailing slash names the same folder.
    const slash = { ...member, 'units/kubelet.service': member['units/kubelet.service'].replace(/(--config-dir=\S+)/, '$1/'), [DROPIN]: HEADER };
    expect(kubeletConfig(slash).dropins).toEqual([DROPIN]);
  });

  it('names the file and line of a drop-in that does not parse, or is not a mapping', () => {
    const broken = withDropins(member, { [DROPIN]: `${HEADER}address: [127.0.0.1\n` });
    expect(() => kubeletConfig(broken)).toThrow(UnreadableNodeFileError);
    expect(() => kubeletConfig(broken)).toThrow(/^kubelet\.conf\.d\/50-matrix\.conf:\d+: does not parse \(/);
    expect(() => kubeletConfig(withDropins(member, { 'kubelet.conf.d/10.conf': '\n- address: 0.0.0.0\n' }))).toThrow(
      'kubelet.conf.d/10.conf:2: is not a mapping of kubelet settings (a KubeletConfiguration drop-in).',
    );
    expect(() => kubeletSetting(withDropins(member, { [DROPIN]: `${HEADER}healthzPort: [1]\n` }), KUBELET_FIELDS.healthzPort)).toThrow(
      'kubelet.conf.d/50-matrix.conf:3: healthzPort is not a single value.',
    );
    // An empty drop-in sets nothing.
    expect(kubeletSetting(withDropins(member, { [DROPIN]: '' }), KUBELET_FIELDS.healthzPort).value).toBe('10248');
  });
});

describe('the exposure check of a matrix member', () => {
  it('finds nothing in a member with a drop-in that keeps the kubelet on loopback', () => {
    expect(nodeExposure(withDropins(member, { [DROPIN]: `${HEADER}healthzPort: 10300\n` }), 'm')).toEqual([]);
  });

  it("flags a drop-in that opens the anonymous, AlwaysAllow API, naming the drop-in's file and line", () => {
    const files = withDropins(member, { [DROPIN]: `${HEADER}# every address\naddress: 0.0.0.0\n` });
    const findings = nodeExposure(files, 'm');
    expect(findings.map(({ file, line, setting, value }) => ({ file, line, setting, value }))).toEqual([
      { file: DROPIN, line: 4, setting: 'address', value: '0.0.0.0' },
      { file: DROPIN, line: 4, setting: 'address', value: '0.0.0.0' },
    ]);
    expect(findings[0].message).toMatch(/the kubelet's API \(port 10250\) listens on 0\.0\.0\.0 without authentication/);
  });

  it('flags a drop-in that opens the API by authentication (anonymous + AlwaysAllow over a closed kubelet.yaml)', () => {
    const closedYaml = member['kubelet.yaml']
      .replace('address: 127.0.0.1', 'address: 0.0.0.0')
      .replace('readOnlyPort: 10255', 'readOnlyPort: 0')
      .replace(/anonymous:\n    enabled: true/, 'anonymous:\n    enabled: false');
    const quiet = { ...member, 'kubelet.yaml': closedYaml };
    expect(nodeExposure(quiet, 'm')).toEqual([]);
    const opened = withDropins(quiet, { [DROPIN]: `${HEADER}authentication:\n  anonymous:\n    enabled: true\n` });
    expect(nodeExposure(opened, 'm').map((finding) => finding.message)).toEqual([
      expect.stringMatching(/API \(port 10250\) listens on 0\.0\.0\.0 without authentication/),
    ]);
  });
});

describe("a member's image inputs", () => {
  it('sends kubelet.conf.d/ to the builder and copies it into the image', () => {
    expect(member['Dockerfile.kicbase']).toContain('COPY kubelet.conf.d/ /etc/kubernetes/kubelet.conf.d/');
    const patterns = parseDockerignore(member['.dockerignore']);
    expect(isIgnored(DROPIN, patterns)).toBe(false);
    expect(isIgnored('kubelet.conf.d', patterns)).toBe(false);
    // Other nodes' ignore files are as they were.
    expect(loner['.dockerignore']).not.toContain('kubelet.conf.d');
  });

  it('changes the up-to-date hash when a drop-in changes', () => {
    const contextOf = (files: NodeFiles): ContextEntry[] => {
      const patterns = parseDockerignore(files['.dockerignore']);
      return Object.entries(files)
        .filter(([path]) => !isIgnored(path, patterns))
        .map(([path, content]) => ({ path, type: 'file', mode: 0o644, sha256: content }));
    };
    const hashOf = (files: NodeFiles) =>
      imageInputsHash({
        settings: { build: { context: '.', dockerfile: 'Dockerfile.kicbase' } },
        buildArgs: {},
        builderEnv: {},
        dockerfile: files['Dockerfile.kicbase'],
        ignoreFile: files['.dockerignore'],
        context: contextOf(files),
        baseImages: {},
      });
    const before = withDropins(member, { [DROPIN]: `${HEADER}healthzPort: 10300\n` });
    const after = withDropins(member, { [DROPIN]: `${HEADER}healthzPort: 10301\n` });
    expect(contextOf(before).map((entry) => entry.path)).toContain(DROPIN);
    expect(hashOf(after)).not.toBe(hashOf(before));
    expect(hashOf(withDropins(before, { 'README.md': 'changed' }))).toBe(hashOf(before));
  });
});

describe('kubelet settings read as the kubelet reads them (YAML 1.1)', () => {
  const unit = '[Service]\nExecStart=/usr/bin/kubelet --config=/kubelet.yaml\n';
  it('takes yes/on as true, as go-yaml v2 does', () => {
    const files = { 'units/kubelet.service': unit, 'kubelet.yaml': 'authentication:\n  anonymous:\n    enabled: yes\n' };
    expect(kubeletSetting(files, KUBELET_FIELDS.anonymousAuth).value).toBe('true');
  });
  it('refuses aliases and merge keys, which would hide where a value comes from', () => {
    const merged = { 'units/kubelet.service': unit, 'kubelet.yaml': 'x: &o\n  anonymous:\n    enabled: true\nauthentication:\n  <<: *o\n' };
    expect(() => kubeletSetting(merged, KUBELET_FIELDS.anonymousAuth)).toThrow(/alias|merge key/);
  });
});
