/**
 * A typed model of the KubeletConfiguration (kubelet.config.k8s.io/v1beta1) fields that nx-kubelet nodes use or that
 * users commonly add, with the Kubernetes minor each field appeared in. No public package ships these types, so the
 * tests carry their own (source: k8s.io/kubelet/config/v1beta1/types.go per staging tag, summarized in
 * ../shared/reference/kubelet-domain.md §4).
 */
import { parse } from 'yaml';
import { compareMinors } from 'kubelet-node';

export interface KubeletConfiguration {
  apiVersion: 'kubelet.config.k8s.io/v1beta1';
  kind: 'KubeletConfiguration';
  containerRuntimeEndpoint?: string;
  staticPodPath?: string;
  address?: string;
  port?: number;
  readOnlyPort?: number;
  authentication?: {
    anonymous?: { enabled?: boolean };
    webhook?: { enabled?: boolean; cacheTTL?: string };
    x509?: { clientCAFile?: string };
  };
  authorization?: { mode?: 'AlwaysAllow' | 'Webhook' };
  healthzBindAddress?: string;
  healthzPort?: number;
  failSwapOn?: boolean;
  cgroupDriver?: 'cgroupfs' | 'systemd';
  failCgroupV1?: boolean;
  clusterDomain?: string;
  clusterDNS?: string[];
  imageGCHighThresholdPercent?: number;
  imageGCLowThresholdPercent?: number;
  evictionHard?: Record<string, string>;
  hairpinMode?: 'promiscuous-bridge' | 'hairpin-veth' | 'none';
  maxPods?: number;
  podLogsDir?: string;
  memorySwap?: { swapBehavior?: 'NoSwap' | 'LimitedSwap' };
  featureGates?: Record<string, boolean>;
}

type Check = (value: unknown) => boolean;
interface FieldSpec {
  check: Check;
  /** What the check expects, for messages. */
  expected: string;
  /** First Kubernetes minor that knows the field. */
  since?: string;
  fields?: Record<string, FieldSpec>;
}

const isString: Check = (v) => typeof v === 'string';
const isBoolean: Check = (v) => typeof v === 'boolean';
const isPort: Check = (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;
const isPercent: Check = (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100;
const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    values.includes(v as string);
const isIp: Check = (v) => typeof v === 'string' && /^(\d{1,3}\.){3}\d{1,3}$|:/.test(v);

const string: FieldSpec = { check: isString, expected: 'a string' };
const boolean: FieldSpec = { check: isBoolean, expected: 'a boolean' };
const port: FieldSpec = { check: isPort, expected: 'a port number (0-65535)' };
const object = (fields: Record<string, FieldSpec>): FieldSpec => ({ check: isObject, expected: 'a mapping', fields });

export const KUBELET_CONFIGURATION_FIELDS: Record<string, FieldSpec> = {
  apiVersion: { check: oneOf('kubelet.config.k8s.io/v1beta1'), expected: 'kubelet.config.k8s.io/v1beta1' },
  kind: { check: oneOf('KubeletConfiguration'), expected: 'KubeletConfiguration' },
  containerRuntimeEndpoint: { ...string, since: '1.27' },
  staticPodPath: string,
  address: { check: isIp, expected: 'an IP address' },
  port,
  readOnlyPort: port,
  authentication: object({
    anonymous: object({ enabled: boolean }),
    webhook: object({ enabled: boolean, cacheTTL: string }),
    x509: object({ clientCAFile: string }),
  }),
  authorization: object({ mode: { check: oneOf('AlwaysAllow', 'Webhook'), expected: 'AlwaysAllow or Webhook' } }),
  healthzBindAddress: { check: isIp, expected: 'an IP address' },
  healthzPort: port,
  failSwapOn: boolean,
  cgroupDriver: { check: oneOf('cgroupfs', 'systemd'), expected: 'cgroupfs or systemd' },
  failCgroupV1: { ...boolean, since: '1.31' },
  clusterDomain: string,
  clusterDNS: { check: (v) => Array.isArray(v) && v.every(isIp), expected: 'a list of IP addresses' },
  imageGCHighThresholdPercent: { check: isPercent, expected: 'a percentage (0-100)' },
  imageGCLowThresholdPercent: { check: isPercent, expected: 'a percentage (0-100)' },
  evictionHard: {
    check: (v) => isObject(v) && Object.values(v as object).every((x) => typeof x === 'string' && /^\d+(\.\d+)?%$|^\d+[KMGT]?i?$/.test(x)),
    expected: 'signal: quantity-or-percentage strings',
  },
  hairpinMode: { check: oneOf('promiscuous-bridge', 'hairpin-veth', 'none'), expected: 'promiscuous-bridge, hairpin-veth or none' },
  maxPods: { check: (v) => Number.isInteger(v) && (v as number) > 0, expected: 'a positive integer' },
  podLogsDir: { ...string, since: '1.30' },
  // Feature gates: a map of gate → boolean. KubeletCgroupDriverFromCRI: alpha in 1.28, on by default from 1.31, GA in 1.34.
  featureGates: object({ KubeletCgroupDriverFromCRI: { ...boolean, since: '1.28' } }),
  memorySwap: object({ swapBehavior: { check: oneOf('NoSwap', 'LimitedSwap'), expected: 'NoSwap or LimitedSwap (UnlimitedSwap was removed in 1.30)' } }),
};

/** Type-checks a parsed KubeletConfiguration for a Kubernetes minor; returns one message per problem. */
export function checkKubeletConfiguration(config: unknown, minor: string): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, fields: Record<string, FieldSpec>, path: string) => {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const spec = fields[key];
      const at = path ? `${path}.${key}` : key;
      if (!spec) problems.push(`${at}: not a KubeletConfiguration field nx-kubelet knows (typo?)`);
      else if (!spec.check(child)) problems.push(`${at}: expected ${spec.expected}, got ${JSON.stringify(child)}`);
      else if (spec.since && compareMinors(minor, spec.since) < 0) problems.push(`${at}: only exists from Kubernetes ${spec.since}, not in ${minor}`);
      else if (spec.fields) walk(child, spec.fields, at);
    }
  };
  if (!isObject(config)) return ['the document is not a mapping'];
  walk(config, KUBELET_CONFIGURATION_FIELDS, '');
  for (const required of ['apiVersion', 'kind']) {
    if (!(required in (config as object))) problems.push(`${required}: missing`);
  }
  return problems;
}

/**
 * What a standalone kubelet behind cri-dockerd needs, each learned from a real failure
 * (../shared/reference/kubelet-domain.md §8); returns one message per missing setting.
 */
export function checkStandaloneSettings(config: KubeletConfiguration, minor: string): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, message: string) => ok || problems.push(message);
  expect(config.authentication?.webhook?.enabled === false, 'authentication.webhook.enabled must be false (no API server)');
  expect(config.authorization?.mode === 'AlwaysAllow', 'authorization.mode must be AlwaysAllow (no API server)');
  expect(config.containerRuntimeEndpoint === 'unix:///run/cri-dockerd.sock', 'containerRuntimeEndpoint must point at cri-dockerd');
  expect(config.staticPodPath === '/etc/kubernetes/manifests', 'staticPodPath must be /etc/kubernetes/manifests');
  expect(config.address === '127.0.0.1', 'address must be 127.0.0.1: the API is unauthenticated');
  expect(config.clusterDNS === undefined, 'clusterDNS must not be set: there is no DNS server');
  if (compareMinors(minor, '1.35') >= 0) expect(config.failCgroupV1 === false, 'failCgroupV1 must be false from 1.35 (cgroup v1 hosts)');
  return problems;
}

/** Parses kubelet.yaml text strictly (duplicate keys and syntax errors throw). */
export function parseKubeletYaml(text: string): KubeletConfiguration {
  return parse(text, { strict: true, uniqueKeys: true }) as KubeletConfiguration;
}
