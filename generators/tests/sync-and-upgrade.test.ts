/** `nx sync:check`, `nx sync` and `nx g nx-kubelet:upgrade` through the real nx CLI in a copy of this workspace. */
import { readFileSync, writeFileSync } from 'node:fs';
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
    writeFileSync(dockerfile(), `${original.replace('ARG KUBE_VERSION=v1.34.0', 'ARG KUBE_VERSION=v1.34.2')}# mine\n`);
    const check = nx(workspace, ['sync:check']);
    expect(output(check)).toContain('ARG KUBE_VERSION v1.34.2 → v1.34.0');
    expect(check.status).not.toBe(0);

    const sync = nx(workspace, ['sync']);
    expect(sync.status).toBe(0);
    expect(readFileSync(dockerfile(), 'utf8')).toBe(`${original}# mine\n`);
    expect(nx(workspace, ['sync:check']).status).toBe(0);
  });
});

describe('nx g nx-kubelet:upgrade', () => {
  it('moves the example node to 1.36 with valid files and prints the next steps', () => {
    const result = nx(workspace, ['g', 'nx-kubelet:upgrade', 'example-node', '--kubeVersion=1.36']);
    expect(output(result)).toContain('Dockerfile.kicbase: ARG KUBE_VERSION v1.34.0 → v1.36.4');
    expect(output(result)).toContain('nx run example-node:down --volumes');
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
