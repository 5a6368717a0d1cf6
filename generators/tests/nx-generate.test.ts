/**
 * `nx g kubelet-node` through the real nx CLI in a temporary copy of this workspace, with every generated file
 * checked by a real validator: systemd-analyze, docker compose config (v2), dockerfile-utils and the
 * KubeletConfiguration model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkKubeletConfiguration, checkStandaloneSettings, parseKubeletYaml } from './support/kubelet-configuration';
import { composeConfig, lintDockerfile, verifySystemdUnits } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

let workspace: string;

beforeAll(() => {
  workspace = copyWorkspace();
});

afterAll(() => removeWorkspace(workspace));

describe.each([
  { label: 'defaults', args: [] as string[], minor: '1.34', tag: 'v1.34.11', pause: '3.10.1', kubeletPauseFlag: true },
  { label: 'Kubernetes 1.35', args: ['--kubeVersion=1.35'], minor: '1.35', tag: 'v1.35.8', pause: '3.10.1', kubeletPauseFlag: false },
  {
    label: 'Kubernetes 1.36',
    args: ['--kubeVersion=v1.36', '--criDockerdVersion=0.4'],
    minor: '1.36',
    tag: 'v1.36.4',
    pause: '3.10.2',
    kubeletPauseFlag: false,
  },
  {
    label: 'Kubernetes 1.37',
    args: ['--kubeVersion=v1.37', '--criDockerdVersion=v0.4.3'],
    minor: '1.37',
    tag: 'v1.37.2',
    pause: '3.10.2',
    kubeletPauseFlag: false,
  },
])('nx g nx-kubelet:kubelet-node with $label', ({ args, minor, tag, pause, kubeletPauseFlag }) => {
  const name = `node-${minor.replace('.', '-')}`;
  let nodeDir: string;
  const file = (path: string) => readFileSync(join(nodeDir, path), 'utf8');

  beforeAll(() => {
    const result = nx(workspace, ['g', 'nx-kubelet:kubelet-node', name, ...args]);
    expect(`${result.stdout}${result.stderr}`).toContain(`CREATE packages/${name}/Dockerfile.kicbase`);
    expect(result.status).toBe(0);
    nodeDir = join(workspace, 'packages', name);
  });

  it('writes units that systemd-analyze verify accepts without a word', () => {
    expect(verifySystemdUnits(join(nodeDir, 'units'))).toBe('');
  });

  it('writes a compose file that docker compose config accepts, publishing no port', () => {
    const { status, config, stderr } = composeConfig(nodeDir);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const service = config.services[name];
    expect(service).toMatchObject({ privileged: true, hostname: name, tty: true, cgroup: 'private' });
    expect(service.ports).toBeUndefined();
    expect(service.build.args.KUBE_VERSION).toBe(tag);
    // No global volume name: Compose prefixes it with the compose project, which the operations scope to the folder.
    expect(config.volumes[`${name}-var`].name).toBe(`${name}_${name}-var`);
  });

  it(`writes a kubelet.yaml valid for Kubernetes ${minor} and standalone`, () => {
    const config = parseKubeletYaml(file('kubelet.yaml'));
    expect(checkKubeletConfiguration(config, minor)).toEqual([]);
    expect(checkStandaloneSettings(config, minor)).toEqual([]);
  });

  it('writes a Dockerfile that dockerfile-utils finds nothing wrong with, for the chosen version', () => {
    const dockerfile = file('Dockerfile.kicbase');
    expect(lintDockerfile(dockerfile)).toEqual([]);
    expect(dockerfile).toContain(`\nARG KUBE_VERSION=${tag}\n`);
  });

  it(`passes the pause image ${pause} to cri-dockerd, and to the kubelet only before 1.35`, () => {
    expect(file('units/cri-docker.service')).toContain(`--pod-infra-container-image=registry.k8s.io/pause:${pause}`);
    expect(file('units/kubelet.service').includes('--pod-infra-container-image')).toBe(kubeletPauseFlag);
  });

  it('is a project that nx sees, with its targets', () => {
    const result = nx(workspace, ['show', 'project', name, '--json']);
    expect(result.status).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout).targets).sort()).toEqual([
      'apply',
      'build',
      'down',
      'export-logs',
      'load',
      'logs',
      'report',
      'shell',
      'status',
      'up',
    ]);
  });
});

describe('nx g without a collection prefix', () => {
  it('finds kubelet-node when nx-kubelet is the only plugin that has it', () => {
    const result = nx(workspace, ['g', 'kubelet-node', 'short-form', '--examplePod=false']);
    expect(result.status).toBe(0);
    expect(existsSync(join(workspace, 'packages/short-form/Dockerfile.kicbase'))).toBe(true);
    expect(existsSync(join(workspace, 'packages/short-form/manifests/hello-world.yaml'))).toBe(false);
  });
});

describe('nx g with versions the CLI would read as numbers', () => {
  it('accepts --kubeVersion=v1.30 and --kubeGoVersion=go1.22', () => {
    const result = nx(workspace, ['g', 'nx-kubelet:kubelet-node', 'node-1-30', '--kubeVersion=v1.30', '--kubeGoVersion=go1.22', '--criDockerdVersion=0.3']);
    expect(result.status).toBe(0);
    expect(readFileSync(join(workspace, 'packages/node-1-30/Dockerfile.kicbase'), 'utf8')).toContain('\nARG KUBE_VERSION=v1.30.14\nARG KUBE_VERSION_GO=1.22\n');
  });
});

describe('nx g with bad input', () => {
  it.each([
    [['bad-version', '--kubeVersion=1.99'], "Kubernetes 1.99 is not in nx-kubelet's version matrix"],
    [['old-go', '--kubeVersion=1.36', '--kubeGoVersion=1.25'], '--kubeGoVersion 1.25 is too old for Kubernetes v1.36.4'],
    [['outside', '--directory=../outside'], '--directory "../outside" is outside the workspace'],
    [['example-node'], 'A project named "example-node" already exists'],
    [
      ['trailing-zero', '--kubeVersion=1.30'],
      'The nx CLI read --kubeVersion as the number 1.3; if you meant a version ending in 0 (such as 1.30), write it with a prefix: --kubeVersion=v1.30.',
    ],
    [['typo', '--kubeVerison=1.35'], '--kubeVerison is not an option of nx-kubelet:kubelet-node: did you mean --kubeVersion?'],
  ])('%j exits non-zero with a specific message and writes nothing', (args, message) => {
    const result = nx(workspace, ['g', 'nx-kubelet:kubelet-node', ...args]);
    expect(`${result.stdout}${result.stderr}`).toContain(message);
    expect(result.status).not.toBe(0);
    expect(existsSync(join(workspace, 'packages', args[0], 'compose.yaml')) && args[0] !== 'example-node').toBe(false);
    expect(existsSync(join(workspace, '..', 'outside'))).toBe(false);
  });
});

describe('nx run with a misspelled option', () => {
  it('is refused before docker runs, naming the closest option', () => {
    const result = nx(workspace, ['run', 'example-node:down', '--timout=5']);
    expect(`${result.stdout}${result.stderr}`).toContain('--timout is not an option of nx-kubelet:down: did you mean --timeout?');
    expect(result.status).not.toBe(0);
  });
});
