/** The validators must be able to fail: each is shown a broken input and has to object. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkKubeletConfiguration, checkStandaloneSettings } from './support/kubelet-configuration';
import { composeConfig, lintDockerfile, verifySystemdUnits } from './support/validators';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-validators-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('systemd-analyze reports a key in the wrong section and a relative ExecStart', () => {
  mkdirSync(join(dir, 'units'));
  writeFileSync(join(dir, 'units/kubelet.service'), '[Service]\nStartLimitIntervalSec=0\nExecStart=kubelet --config=/kubelet.yaml\n');
  const output = verifySystemdUnits(join(dir, 'units'));
  expect(output).toContain("Unknown key 'StartLimitIntervalSec' in section [Service]");
  expect(output).toMatch(/kubelet/);
});

it('docker compose config rejects an invalid compose file', () => {
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  n:\n    privileged: maybe\n');
  const result = composeConfig(dir);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('privileged');
});

it('dockerfile-utils reports a broken instruction', () => {
  expect(lintDockerfile('FROM alpine\nENV ONLY_A_KEY\n')).toEqual(['line 2: ENV must have two arguments']);
});

it('the KubeletConfiguration model reports unknown fields, wrong types and fields too new for the minor', () => {
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    readOnlyPort: '10255',
    failCgroupV1: false,
    staticPodPth: '/x',
    memorySwap: { swapBehavior: 'UnlimitedSwap' },
  };
  expect(checkKubeletConfiguration(config, '1.30')).toEqual([
    'readOnlyPort: expected a port number (0-65535), got "10255"',
    'failCgroupV1: only exists from Kubernetes 1.31, not in 1.30',
    'staticPodPth: not a KubeletConfiguration field nx-kubelet knows (typo?)',
    'memorySwap.swapBehavior: expected NoSwap or LimitedSwap (UnlimitedSwap was removed in 1.30), got "UnlimitedSwap"',
  ]);
  expect(checkStandaloneSettings({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration' }, '1.35')).toHaveLength(6);
});
