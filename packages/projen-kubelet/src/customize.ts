/**
 * Options that customize a synthesized node, applied after rendering (so after every managed fact): structural edits
 * through the `yaml` document model, which keeps the generated comments and order.
 */
import { isMap, isSeq, parseDocument } from 'yaml';
import { COMPOSE, KUBELET_UNIT, KUBELET_YAML, NodeFiles, NodeModel } from 'kubelet-node';

export interface Customizations {
  /**
   * Extra or overriding KubeletConfiguration fields for kubelet.yaml (top-level keys; objects are set whole), e.g.
   * `{ maxPods: 50, systemReserved: { memory: '256Mi' } }`.
   */
  readonly kubeletSettings?: Record<string, unknown>;
  /** Extra kubelet command-line flags, appended to the kubelet unit's ExecStart=, e.g. `['--v=4']`. */
  readonly kubeletFlags?: string[];
  /**
   * Values set in compose.yaml by dot path, as projen's `addOverride`: e.g.
   * `{ 'services.my-node.mem_limit': '2g' }`. A kubelet port published beyond loopback is refused: the kubelet's API
   * is unauthenticated.
   */
  readonly composeOverrides?: Record<string, unknown>;
}

export class InvalidCustomizationError extends Error {
  constructor(message: string) {
    super(`projen-kubelet: ${message}`);
    this.name = 'InvalidCustomizationError';
  }
}

export function applyCustomizations(files: NodeFiles, model: NodeModel, customizations: Customizations): NodeFiles {
  const result = { ...files };
  const { kubeletSettings, kubeletFlags, composeOverrides } = customizations;
  if (kubeletSettings && Object.keys(kubeletSettings).length > 0) {
    const document = parseDocument(result[KUBELET_YAML]);
    for (const [key, value] of Object.entries(kubeletSettings)) {
      if (value === undefined) continue;
      if (['apiVersion', 'kind'].includes(key))
        throw new InvalidCustomizationError(`kubeletSettings.${key}: the node's KubeletConfiguration keeps its own ${key}.`);
      document.set(key, value);
    }
    result[KUBELET_YAML] = document.toString({ lineWidth: 0 });
  }
  const kubelet = (parseDocument(result[KUBELET_YAML]).toJS() ?? {}) as Record<string, unknown>;
  for (const field of ['address', 'healthzBindAddress']) {
    const value = kubelet[field];
    if (value !== undefined && !LOOPBACK.includes(String(value))) {
      throw new InvalidCustomizationError(
        `kubeletSettings.${field}: ${value} would open the kubelet of ${model.name} beyond the container's loopback, and it answers anyone without authentication (anonymous, AlwaysAllow). Keep 127.0.0.1; reach it through a tunnel (see the node's README).`,
      );
    }
  }
  if (kubeletFlags && kubeletFlags.length > 0) {
    const bad = kubeletFlags.filter((flag) => !/^--[a-z0-9][a-z0-9-]*(=\S*)?$/.test(flag));
    if (bad.length > 0)
      throw new InvalidCustomizationError(
        `kubeletFlags: ${bad.map((flag) => JSON.stringify(flag)).join(', ')} is not a --flag or --flag=value without spaces.`,
      );
    result[KUBELET_UNIT] = appendToExecStart(result[KUBELET_UNIT], kubeletFlags);
  }
  if (composeOverrides && Object.keys(composeOverrides).length > 0) {
    const document = parseDocument(result[COMPOSE]);
    for (const [path, value] of Object.entries(composeOverrides)) document.setIn(splitPath(path), value);
    const ports = [kubelet.port ?? 10250, kubelet.readOnlyPort ?? 0, kubelet.healthzPort ?? 10248].map(Number).filter((port) => port > 0);
    refusePublishedKubeletPorts(document.toJS(), model, new Set(ports));
    result[COMPOSE] = document.toString({ lineWidth: 0 });
  }
  return result;
}

/** projen's dot paths: `a.b.c`, with `\.` for a literal dot. */
function splitPath(path: string): string[] {
  return path.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, '.'));
}

function appendToExecStart(unit: string, flags: string[]): string {
  const lines = unit.split('\n');
  let index = lines.findIndex((line) => line.startsWith('ExecStart='));
  if (index === -1) throw new InvalidCustomizationError(`${KUBELET_UNIT} has no ExecStart= line to add kubeletFlags to.`);
  while (lines[index].endsWith('\\')) index++;
  lines[index] = `${lines[index]} ${flags.join(' ')}`;
  return lines.join('\n');
}

/** Refuses compose ports that publish one of the kubelet's ports on anything but loopback. */
function refusePublishedKubeletPorts(compose: { services?: Record<string, { ports?: unknown[] }> }, model: NodeModel, kubeletPorts: Set<number>): void {
  for (const [service, definition] of Object.entries(compose.services ?? {})) {
    if (!Array.isArray(definition?.ports)) continue;
    for (const port of definition.ports) {
      const { hostIp, targets } = parsePort(port);
      const target = targets.find((candidate) => kubeletPorts.has(candidate));
      if (target !== undefined && !LOOPBACK.includes(hostIp ?? '')) {
        throw new InvalidCustomizationError(
          `composeOverrides: services.${service}.ports publishes the kubelet's port ${target} on ${hostIp ?? 'every interface'}. The kubelet of ${model.name} answers anyone without authentication (anonymous, AlwaysAllow): publish it on 127.0.0.1 only ("127.0.0.1:${target}:${target}"), or not at all.`,
        );
      }
    }
  }
}

/** A compose port mapping's host address and container ports (a range `10248-10255` gives every port in it). */
function parsePort(port: unknown): { hostIp?: string; targets: number[] } {
  if (typeof port === 'number') return { targets: [port] };
  if (typeof port === 'string') {
    const withoutProtocol = port.replace(/\/(tcp|udp|sctp)$/, '');
    const ipv6 = /^\[([^\]]+)\]:(.*)$/.exec(withoutProtocol);
    const parts = ipv6 ? [ipv6[1], ...ipv6[2].split(':')] : withoutProtocol.split(':');
    return { hostIp: parts.length === 3 ? parts[0] : undefined, targets: portRange(parts[parts.length - 1]) };
  }
  if (port && typeof port === 'object' && !isMap(port) && !isSeq(port)) {
    const long = port as { host_ip?: string; target?: number | string };
    return { hostIp: long.host_ip, targets: portRange(String(long.target)) };
  }
  return { targets: [] };
}

function portRange(text: string): number[] {
  const [from, to = from] = text.split('-').map(Number);
  if (!Number.isInteger(from) || !Number.isInteger(to) || to < from || to - from > 65535) return [];
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];
