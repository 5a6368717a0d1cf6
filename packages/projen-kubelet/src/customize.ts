/**
 * Options that customize a synthesized node, applied after rendering (so after every managed fact): structural edits
 * through the `yaml` document model, which keeps the generated comments and order.
 */
import { parseDocument } from 'yaml';
import { COMPOSE, ExposureFinding, KUBELET_UNIT, KUBELET_YAML, nodeExposure, NodeFiles, NodeModel, UnreadableNodeFileError } from 'kubelet-node';

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
   * `{ 'services.my-node.mem_limit': '2g' }`. Whatever would open the kubelet beyond the container's loopback (a
   * published kubelet port, host networking, a shared network namespace; and kubeletSettings or kubeletFlags that move
   * its address) is refused: the kubelet's API is unauthenticated.
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
    result[COMPOSE] = document.toString({ lineWidth: 0 });
  }
  refuseExposure(result, model);
  return result;
}

/** Which option a finding comes from, in the words of this component's options. */
function optionOf(finding: ExposureFinding): string {
  if (finding.file === KUBELET_YAML) return `kubeletSettings.${finding.setting ?? ''}${finding.value !== undefined ? `: ${finding.value}` : ''}`;
  if (finding.file === KUBELET_UNIT) return `kubeletFlags${finding.setting ? ` ${finding.setting}=${finding.value ?? ''}` : ''}`;
  return 'composeOverrides';
}

/**
 * Refuses a node whose unauthenticated kubelet the customizations would open beyond the container's loopback: the
 * core's one exposure check, on the files as they will be written (flags over kubelet.yaml, compose as Compose reads it).
 */
function refuseExposure(files: NodeFiles, model: NodeModel): void {
  let findings: ExposureFinding[];
  try {
    findings = nodeExposure(files, model.compose.service);
  } catch (error) {
    if (error instanceof UnreadableNodeFileError) throw new InvalidCustomizationError(`${model.name}: ${error.message}`);
    throw error;
  }
  if (findings.length === 0) return;
  throw new InvalidCustomizationError(
    [
      `${model.name}: its kubelet answers anyone without authentication (anonymous, AlwaysAllow), and these settings would open it beyond the container's loopback:`,
      ...findings.map((finding) => `  ${optionOf(finding)} (${finding.file}${finding.line ? `:${finding.line}` : ''}): ${finding.message}`),
      "Keep the kubelet on 127.0.0.1 and reach it through a tunnel (see the node's README), or turn on authentication first (docs/security.md).",
    ].join('\n'),
  );
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
