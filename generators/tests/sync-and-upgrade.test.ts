/** `nx sync:check`, `nx sync` and `nx g nx-kubelet:upgrade` through the real nx CLI in a copy of this workspace. */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { KICBASE_FLAG, removeProject, requireEngine, STAND_IN_BINARIES } from './support/engine';
import { join } from 'node:path';
import { checkKubeletConfiguration, checkStandaloneSettings, parseKubeletYaml } from './support/kubelet-configuration';
import { composeConfig, lintDockerfile, verifySystemdUnits } from './support/validators';
import { copyWorkspace, nx, removeWorkspace } from './support/workspace';

let workspace: string;
const dockerfile = () => join(workspace, 'packages/example-node/Dockerfile.kicbase');
const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;

beforeAll(() => {
  workspace = copyWorkspace();
});
afterAll(() => removeWorkspace(workspace));

describe('nx sync', () => {
  it('sync:check passes on the example node as generated', () => {
    const result = nx(workspace, ['sync:check']);
    expect(result.status).toBe(0);
  });

  it('sync:check fails on a Dockerfile ARG edited by hand, naming it; nx sync repairs it and keeps the rest', () => {
    const original = readFileSync(dockerfile(), 'utf8');
    const edited = original.replace('ARG KUBE_VERSION=v1.34.11', 'ARG KUBE_VERSION=v1.34.2');
    expect(edited).not.toBe(original);
    writeFileSync(dockerfile(), `${edited}# mine\n`);
    const check = nx(workspace, ['sync:check']);
    expect(output(check)).toContain('ARG KUBE_VERSION v1.34.2 → v1.34.11');
    expect(check.status).not.toBe(0);

    const sync = nx(workspace, ['sync']);
    expect(sync.status).toBe(0);
    expect(readFileSync(dockerfile(), 'utf8')).toBe(`${original}# mine\n`);
    expect(nx(workspace, ['sync:check']).status).toBe(0);
  });
});

describe('nx sync with a node it cannot manage', () => {
  const engineNode = `sync-ok-${process.pid.toString(36)}`;
  afterAll(() => removeProject(engineNode));

  it('a node with interpolated build args is not drift; a node that cannot be read fails sync:check by name, file and reason', () => {
    requireEngine();
    // One node uses compose interpolation (the user's values), one lost a managed ARG (cannot be read), one is healthy.
    expect(nx(workspace, ['g', 'nx-kubelet:kubelet-node', 'interpolated', '--no-interactive']).status).toBe(0);
    const interpolated = join(workspace, 'packages/interpolated/compose.yaml');
    writeFileSync(
      interpolated,
      readFileSync(interpolated, 'utf8')
        .replace(/BINARY_SOURCE: source.*/, 'BINARY_SOURCE: ${BINARY_SOURCE:-source}')
        .replace('KUBE_VERSION: v1.34.11', 'KUBE_VERSION: ${KUBE_VERSION:-v1.34.11}'),
    );
    expect(nx(workspace, ['g', 'nx-kubelet:kubelet-node', 'broken', '--no-interactive']).status).toBe(0);
    const broken = join(workspace, 'packages/broken/Dockerfile.kicbase');
    const brokenOriginal = readFileSync(broken, 'utf8');
    writeFileSync(broken, brokenOriginal.replace(/^ARG KUBE_VERSION=.*\n/m, ''));
    expect(nx(workspace, ['g', 'nx-kubelet:kubelet-node', engineNode, '--binarySource=local', KICBASE_FLAG, '--no-interactive']).status).toBe(0);
    for (const binary of ['kubelet', 'cri-dockerd']) copyFileSync(join(STAND_IN_BINARIES, binary), join(workspace, 'packages', engineNode, 'bin', binary));

    const check = nx(workspace, ['sync:check']);
    expect(output(check)).toContain(
      'Node "broken": packages/broken/Dockerfile.kicbase: it is missing: cannot find the kubelet\'s Kubernetes version (ARG KUBE_VERSION)',
    );
    expect(output(check)).not.toContain('up to date');
    expect(output(check)).not.toContain('interpolated');
    expect(check.status).not.toBe(0);

    // The sync generator fails for the whole workspace: a healthy node builds with --skip-sync meanwhile.
    const build = nx(workspace, ['run', `${engineNode}:build`, '--skip-sync']);
    expect(output(build)).toContain(`naming to docker.io/library/nx-kubelet-${engineNode}:v1.34.11`);
    expect(build.status).toBe(0);
    expect(readFileSync(interpolated, 'utf8')).toContain('BINARY_SOURCE: ${BINARY_SOURCE:-source}');
    expect(readFileSync(broken, 'utf8')).not.toContain('ARG KUBE_VERSION=');

    // Repaired, the workspace checks clean again.
    writeFileSync(broken, brokenOriginal);
    expect(nx(workspace, ['sync:check']).status).toBe(0);
  });
});

describe('nx g nx-kubelet:upgrade', () => {
  it('moves the example node to 1.36 with valid files and prints the next steps', () => {
    const result = nx(workspace, ['g', 'nx-kubelet:upgrade', 'example-node', '--kubeVersion=1.36']);
    expect(output(result)).toContain('Dockerfile.kicbase: ARG KUBE_VERSION v1.34.11 → v1.36.4');
    // Across minors the /var volume stays (upgrade-real.test.ts runs that for real): build, then up.
    expect(output(result)).toContain('nx run example-node:up   (recreates the container with the new image on the same /var volume');
    expect(output(result)).not.toContain('down --volumes');
    expect(result.status).toBe(0);
    const node = join(workspace, 'packages/example-node');
    expect(verifySystemdUnits(join(node, 'units'))).toBe('');
    expect(composeConfig(node).status).toBe(0);
    expect(lintDockerfile(readFileSync(dockerfile(), 'utf8'))).toEqual([]);
    const config = parseKubeletYaml(readFileSync(join(node, 'kubelet.yaml'), 'utf8'));
    expect([...checkKubeletConfiguration(config, '1.36'), ...checkStandaloneSettings(config, '1.36')]).toEqual([]);
    expect(nx(workspace, ['sync:check']).status).toBe(0);
  });

  it('refuses a downgrade across a minor from the CLI, changing nothing', () => {
    const before = readFileSync(dockerfile(), 'utf8');
    const result = nx(workspace, ['g', 'nx-kubelet:upgrade', 'example-node', '--kubeVersion=v1.35']);
    expect(output(result)).toContain('would downgrade the node across a minor');
    expect(result.status).not.toBe(0);
    expect(readFileSync(dockerfile(), 'utf8')).toBe(before);
  });
});
