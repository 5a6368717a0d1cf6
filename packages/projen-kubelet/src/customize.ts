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
      if (['apiVersion', 'kind'].includes(key)) throw new InvalidCustomizationError(`kubeletSettings.${key}: the node's KubeletConfiguration keeps its own ${key}.`);
      document.set(key, value);
    }
    result[KUBELET_YAML] = document.toString({ lineWidth: 0 });
  }
  if (kubeletFlags && kubeletFlags.length > 0) {
    const bad = kubeletFlags.filter((flag) => !/^--[a-z0-9][a-z0-9-]*(=\S*)?$/.test(flag));
    if (bad.length > 0) throw new InvalidCustomizationError(`kubeletFlags: ${bad.map((flag) => JSON.stringify(flag)).join(', ')} is not a --flag or --flag=value without spaces.`);
    result[KUBELET_UNIT] = appendToExecStart(result[KUBELET_UNIT], kubeletFlags);
  }
  if (composeOverrides && Object.keys(composeOverrides).length > 0) {
    const document = parseDocument(result[COMPOSE]);
    for (const [path, value] of Object.entries(composeOverrides)) document.setIn(splitPath(path), value);
    refusePublishedKubeletPorts(document.toJS(), model);
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
function refusePublishedKubeletPorts(compose: { services?: Record<string, { ports?: unknown[] }> }, model: NodeModel): void {
  const kubeletPorts = new Set([10250, 10255, 10248]);
  for (const [service, definition] of Object.entries(compose.services ?? {})) {
    if (!Array.isArray(definition?.ports)) continue;
    for (const port of definition.ports) {
      const { hostIp, target } = parsePort(port);
      if (target !== undefined && kubeletPorts.has(target) && !['127.0.0.1', '::1', 'localhost'].includes(hostIp ?? '')) {
        throw new InvalidCustomizationError(
          `composeOverrides: services.${service}.ports publishes the kubelet's port ${target} on ${hostIp ?? 'every interface'}. The kubelet of ${model.name} answers anyone without authentication (anonymous, AlwaysAllow): publish it on 127.0.0.1 only ("127.0.0.1:${target}:${target}"), or not at all.`,
        );
      }
    }
  }
}

function parsePort(port: unknown): { hostIp?: string; target?: number } {
  if (typeof port === 'number') return { target: port };
  if (typeof port === 'string') {
    const withoutProtocol = port.replace(/\/(tcp|udp)$/, '');
    const ipv6 = /^\[([^\]]+)\]:(.*)$/.exec(withoutProtocol);
    const parts = ipv6 ? [ipv6[1], ...ipv6[2].split(':')] : withoutProtocol.split(':');
    return { hostIp: parts.length === 3 ? parts[0] : undefined, target: Number(parts[parts.length - 1]) };
  }
  if (port && typeof port === 'object' && !isMap(port) && !isSeq(port)) {
    const long = port as { host_ip?: string; target?: number | string };
    return { hostIp: long.host_ip, target: Number(long.target) };
  }
  return {};
}
