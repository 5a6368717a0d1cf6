import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hint, main, parseCommandLine, usage } from './cli';

describe('kubelet-node CLI arguments', () => {
  it('converts values to the types of the operation schema', () => {
    expect(
      parseCommandLine(['up', 'nodes/a', '--timeout=60', '--no-wait', '--build', '--buildArgs.KUBE_VERSION_GO=1.25', '--platform', 'linux/arm64']),
    ).toEqual({
      operation: 'up',
      dir: 'nodes/a',
      name: 'a',
      options: { timeout: 60, wait: false, build: true, buildArgs: { KUBE_VERSION_GO: '1.25' }, platform: 'linux/arm64' },
    });
  });

  it('reads a flag-or-string option as a flag when bare and as a string with =', () => {
    expect(parseCommandLine(['logs', '--container', 'nodes/a']).options).toEqual({ container: true });
    expect(parseCommandLine(['logs', 'nodes/a', '--pod=web', '--container=httpd']).options).toEqual({ pod: 'web', container: 'httpd' });
  });

  it('takes the node name from --name, else from the folder', () => {
    expect(parseCommandLine(['status', './x/edge-7/']).name).toBe('edge-7');
    expect(parseCommandLine(['status', 'x/edge-7', '--name=site-a']).name).toBe('site-a');
  });

  it('keeps unknown options to be refused by name, and an unknown one takes no value from the next word', () => {
    expect(parseCommandLine(['up', 'n', '--timout=5']).options).toEqual({ timout: '5' });
    expect(parseCommandLine(['up', '--buld', 'nodes/a'])).toMatchObject({ dir: 'nodes/a', options: { buld: true } });
  });

  it("takes the schema's one-letter aliases", () => {
    expect(parseCommandLine(['logs', 'n', '-f', '-n', '20']).options).toEqual({ follow: true, tail: 20 });
    expect(() => parseCommandLine(['logs', 'n', '-x'])).toThrow('-x is not an option of logs.');
  });

  it.each([
    [['launch', 'n'], /"launch" is not an operation: use build, up, down, /],
    [['up'], /which node\? Give its folder/],
    [['up', 'a', 'b'], /one node folder, not "a", "b"/],
    [['up', 'a', '--timeout=soon'], /--timeout is a number, not "soon"/],
    [['up', 'a', '--wait=maybe'], /--wait is true or false, not "maybe"/],
    [['logs', 'a', '--since'], /--since needs a value/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it("lists an operation's options with their descriptions and defaults", () => {
    expect(usage('down')).toMatch(/--volumes\s+Also remove/);
    expect(usage('up')).toContain('(default: 180)');
  });

  it("names the front-end's command in hints when one runs the CLI for its users", () => {
    expect(hint('up', undefined, 'nodes/a', undefined)).toBe('kubelet-node up nodes/a');
    expect(hint('down', '--volumes', 'nodes/a', 'npx projen a:{operation}')).toBe('npx projen a:down --volumes');
  });
});

describe('kubelet-node CLI: end of options', () => {
  it('takes "--" as the end of options: what follows is the node folder, even when it starts with "-"', () => {
    expect(parseCommandLine(['status', '--brief', '--', '-odd/edge-7'])).toEqual({
      operation: 'status',
      dir: '-odd/edge-7',
      name: 'edge-7',
      options: { brief: true },
    });
    expect(parseCommandLine(['status', 'nodes/a', '--'])).toEqual({ operation: 'status', dir: 'nodes/a', name: 'a', options: {} });
  });

  it('says that an option after "--" is not one', () => {
    expect(() => parseCommandLine(['up', 'nodes/a', '--', '--timeout=60'])).toThrow(/"--timeout=60" comes after "--" \(the end of options\)/);
  });
});

describe('kubelet-node CLI: everything it can check is checked before docker runs', () => {
  const root = mkdtempSync(join(tmpdir(), 'kubelet-node-cli-'));
  const calls = join(root, 'docker-calls');
  const bin = join(root, 'bin');
  const node = join(root, 'nodes', 'example-node');
  const savedPath = process.env.PATH;
  let errors: string[] = [];

  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    // A docker that only records that it was called (and would answer like a running engine).
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$@" >> '${calls}'\nexit 1\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'docker-compose'), `#!/bin/sh\necho "compose $@" >> '${calls}'\nexit 1\n`, { mode: 0o755 });
    cpSync(join(__dirname, '..', '..', 'example-node'), node, { recursive: true });
    writeFileSync(join(root, 'outside.yaml'), readFileSync(join(node, 'compose.yaml')));
    symlinkSync(join(root, 'outside.yaml'), join(node, 'linked.yaml'));
  });
  beforeEach(() => {
    process.env.PATH = `${bin}:${savedPath}`;
    rmSync(calls, { force: true });
    errors = [];
    jest.spyOn(console, 'error').mockImplementation((message: string) => void errors.push(String(message)));
    jest.spyOn(console, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    jest.restoreAllMocks();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    [['status', node, '--composeFile=../../outside.yaml'], /--composeFile "..\/..\/outside.yaml" is outside the node's folder/],
    [['status', node, `--composeFile=${join(root, 'outside.yaml')}`], /--composeFile ".*outside.yaml" is outside the node's folder/],
    [['status', node, '--composeFile=linked.yaml'], /--composeFile "linked.yaml" is outside the node's folder .*symbolic link/],
    [['status', node, '--dockerHost=ssh://-oProxyCommand'], /Invalid --dockerHost "ssh:\/\/-oProxyCommand": a host cannot start with "-"/],
    [['status', node, '--dockerHost=tcp://[::1]:99999'], /Invalid --dockerHost "tcp:\/\/\[::1\]:99999": the port "99999"/],
    [['status', node, '--context=-H'], /Invalid --context "-H"/],
    [['logs', node, '--unit=kubelt'], /--unit "kubelt" is not one of kubelet, cri-docker, docker, all/],
    [['logs', node, '--container=httpd'], /--container=httpd names a pod's container: give the pod too/],
  ])('%j is refused before docker runs', async (argv, message) => {
    expect(await main(argv)).not.toBe(0);
    expect(errors.join('\n')).toMatch(message);
    expect(existsSync(calls)).toBe(false);
  });

  it('refuses an invalid manifest before docker runs (apply)', async () => {
    writeFileSync(join(node, 'manifests', 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {}\n');
    try {
      expect(await main(['apply', node])).toBe(1);
      expect(errors.join('\n')).toMatch(/broken.yaml/);
      expect(existsSync(calls)).toBe(false);
    } finally {
      rmSync(join(node, 'manifests', 'broken.yaml'));
    }
  });

  it('refuses a non-empty output folder before docker runs (export-logs)', async () => {
    expect(await main(['export-logs', node, `--outputPath=${join(node, 'manifests')}`])).toBe(1);
    expect(errors.join('\n')).toMatch(/is not empty and export-logs did not write it/);
    expect(existsSync(calls)).toBe(false);
  });

  it('refuses a node whose recorded engine address is invalid, naming the file, before docker runs', async () => {
    const compose = readFileSync(join(node, 'compose.yaml'), 'utf8');
    writeFileSync(join(node, 'compose.yaml'), `${compose}\nx-kubelet-node:\n  docker-host: "ssh://ops@edge;reboot"\n`);
    try {
      expect(await main(['status', node])).toBe(1);
      expect(errors.join('\n')).toMatch(/compose.yaml:\d+: Invalid x-kubelet-node.docker-host "ssh:\/\/ops@edge;reboot": the character ";"/);
      expect(existsSync(calls)).toBe(false);
    } finally {
      writeFileSync(join(node, 'compose.yaml'), compose);
    }
  });

  it('does reach docker for valid input (the fake one, which answers nothing)', async () => {
    expect(await main(['status', node])).toBe(1);
    expect(readFileSync(calls, 'utf8')).toMatch(/version/);
  });
});
