/**
 * Who can reach a node's kubelet, decided on what the node will really run, never on how an option is spelled:
 * - the kubelet's effective settings (kubelet-config.ts): kubelet.yaml and, with --config-dir, the drop-ins of
 *   kubelet.conf.d/ over it (with the KubeletConfiguration defaults) under the flags of the kubelet unit's ExecStart=
 *   (flags win, the last of a repeated flag wins; without --config the flags' own defaults, which are wide open, apply);
 * - the compose file as Compose resolves it: interpolation with the environment and defaults (`${P:-10250}`), short and
 *   long port syntax, host addresses (IPv4, IPv6), ranges, protocol in any case, `network_mode: host`, and other
 *   services that share the node's network namespace (or whose namespace the node shares).
 * A listener is open when it answers without authentication: the read-only API and /healthz always; the API (port)
 * when anonymous requests are allowed and authorization is AlwaysAllow. An open listener is exposed when anything
 * beyond the container's own loopback reaches it. One function for every front-end: projen refuses, nx g, upgrade and
 * sync warn, `up` refuses unless told otherwise.
 */
import { Document, LineCounter, parseDocument } from 'yaml';
import { KUBELET_FIELDS, KubeletField, kubeletConfig, refuseEnvironmentFlag } from './kubelet-config';
import { composeFileOf, NodeFiles } from './node-files';

export interface ExposureFinding {
  /** The node file (relative to the node) and, where known, its 1-based line. */
  file: string;
  line?: number;
  /** What is exposed, to whom, and how to close it. */
  message: string;
  /** The kubelet setting that opens it (a kubelet.yaml field or a flag without its dashes), when one does. */
  setting?: string;
  /** The value that setting has. */
  value?: string;
}

/** A kubelet listener with its effective port and address, and where each came from. */
export interface KubeletListener {
  what: 'API' | 'read-only API' | 'healthz';
  port: number;
  address: string;
  /** Answers without authentication. */
  open: boolean;
  /** Where the address was set (file and line), for messages. */
  addressFrom: { file: string; line?: number; setting?: string };
}

export { KUBELET_CONFIG_IN_NODE } from './kubelet-config';

/** Thrown for a compose value Compose itself refuses (`${VAR:?message}` with VAR unset). */
export class ComposeInterpolationError extends Error {}

/**
 * A compose value as Compose interpolates it with `env`: `$$` is a literal `$`; `$VAR` and `${VAR}` (empty when
 * unset); `${VAR:-default}` / `${VAR-default}`; `${VAR:?error}` / `${VAR?error}`; `${VAR:+alternative}` /
 * `${VAR+alternative}`; defaults and alternatives may themselves hold interpolations.
 */
export function interpolateCompose(text: string, env: Record<string, string | undefined>): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char !== '$') {
      out += char;
      index++;
      continue;
    }
    const next = text[index + 1];
    if (next === '$') {
      out += '$';
      index += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, index + 2);
      if (end < 0) throw new ComposeInterpolationError(`invalid interpolation format in "${text}"`);
      out += expand(text.slice(index + 2, end), env);
      index = end + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(index + 1))?.[0];
    if (!name) {
      out += '$';
      index++;
      continue;
    }
    out += env[name] ?? '';
    index += 1 + name.length;
  }
  return out;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let index = from; index < text.length; index++) {
    if (text[index] === '$' && text[index + 1] === '{') {
      depth++;
      index++;
    } else if (text[index] === '}' && --depth === 0) return index;
  }
  return -1;
}

function expand(body: string, env: Record<string, string | undefined>): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
  if (!match) throw new ComposeInterpolationError(`invalid interpolation format "\${${body}}"`);
  const [, name, operator, argument = ''] = match;
  const value = env[name];
  const unsetOrEmpty = value === undefined || value === '';
  switch (operator) {
    case undefined:
      return value ?? '';
    case ':-':
      return unsetOrEmpty ? interpolateCompose(argument, env) : value;
    case '-':
      return value === undefined ? interpolateCompose(argument, env) : value;
    case ':?':
    case '?':
      if (operator === ':?' ? unsetOrEmpty : value === undefined)
        throw new ComposeInterpolationError(`required variable ${name} is missing a value: ${argument}`);
      return value!;
    case ':+':
      return unsetOrEmpty ? '' : interpolateCompose(argument, env);
    default:
      return value === undefined ? '' : interpolateCompose(argument, env);
  }
}

/** Every string in a parsed compose document, interpolated (Compose interpolates values, never keys). */
export function interpolateDocument(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') return interpolateCompose(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateDocument(item, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDocument(item, env)]));
  return value;
}

/** True for an address only the machine itself reaches: 127.0.0.0/8, ::1 (any spelling), ::ffff:127.x.y.z. */
export function isLoopback(address: string): boolean {
  const bare = address
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(bare);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255) && Number(v4[1]) === 127;
  if (!/^[0-9a-f:]+$/.test(bare) || !bare.includes(':')) return false;
  const [head, tail = undefined] = bare.split('::');
  if (bare.split('::').length > 2) return false;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
  return all.length === 8 && all.every((group, index) => /^[0-9a-f]{1,4}$/.test(group) && parseInt(group, 16) === (index === 7 ? 1 : 0));
}

/** A node file that cannot tell what the node runs: nothing can be decided on it. */
export class UnreadableNodeFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    reason: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${reason}`);
    this.name = 'UnreadableNodeFileError';
  }
}

/**
 * A node's YAML file parsed with line numbers, and its first syntax error as messages name it: the line, and
 * `does not parse (<yaml's first line of the message>)`. The one way node files are parsed for messages that name
 * `file:line`.
 */
export interface ParsedNodeYaml {
  document: Document;
  lines: LineCounter;
  error?: { line: number; reason: string };
}

export function parseNodeYaml(text: string, options: { merge?: boolean; version?: '1.1' | '1.2' } = {}): ParsedNodeYaml {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, ...options });
  const broken = document.errors[0];
  const error = broken && { line: lines.linePos(broken.pos[0]).line, reason: `does not parse (${broken.message.split('\n')[0].replace(/:$/, '')})` };
  return { document, lines, ...(error ? { error } : {}) };
}

/**
 * The kubelet's listeners as it will run them: its flags over its config file and drop-ins (or the defaults), read by
 * kubelet-config.ts. Throws {@link UnreadableNodeFileError} when the files cannot tell (a kubelet.yaml or drop-in that
 * does not parse, a --config or --config-dir that is not the node's own, a flag set from an environment variable).
 */
export function kubeletListeners(files: NodeFiles): KubeletListener[] {
  const config = kubeletConfig(files);
  for (const [name, flag] of config.flags) refuseEnvironmentFlag(name, flag);
  const address = config.setting(KUBELET_FIELDS.address);
  const anonymous = config.setting(KUBELET_FIELDS.anonymousAuth);
  const authorization = config.setting(KUBELET_FIELDS.authorizationMode);
  const healthzAddress = config.setting(KUBELET_FIELDS.healthzBindAddress);
  const port = (field: KubeletField) => Number(config.setting(field).value);
  const apiOpen =
    anonymous.value.toLowerCase() === 'true' &&
    authorization.value
      .split(',')
      .map((mode) => mode.trim())
      .includes('AlwaysAllow');
  const listeners: KubeletListener[] = [
    { what: 'API', port: port(KUBELET_FIELDS.port), address: address.value, open: apiOpen, addressFrom: address },
    { what: 'read-only API', port: port(KUBELET_FIELDS.readOnlyPort), address: address.value, open: true, addressFrom: address },
    { what: 'healthz', port: port(KUBELET_FIELDS.healthzPort), address: healthzAddress.value, open: true, addressFrom: healthzAddress },
  ];
  return listeners.filter((listener) => listener.port > 0 || Number.isNaN(listener.port));
}

interface PublishedPort {
  hostIp: string;
  targets: number[];
  /** Where it is written (1-based line), if known. */
  line?: number;
  /** The port as written, for messages. */
  written: string;
}

/** A compose port as Compose reads it: short (`[ip:][host:]container[/proto]`, ranges, `[v6]:`) or long syntax. */
export function publishedPort(port: unknown): Omit<PublishedPort, 'line'> | undefined {
  if (typeof port === 'number') return { hostIp: '', targets: [port], written: String(port) };
  if (typeof port === 'string') {
    const text = port.trim().replace(/\/(tcp|udp|sctp)$/i, '');
    let hostIp = '';
    let rest = text;
    const v6 = /^\[([^\]]*)\]:(.*)$/.exec(text);
    if (v6) [hostIp, rest] = [v6[1], v6[2]];
    else {
      const parts = text.split(':');
      // More than three parts without brackets: an IPv6 host address written bare (Compose takes the last two apart).
      if (parts.length >= 3) [hostIp, rest] = [parts.slice(0, -2).join(':'), parts.slice(-2).join(':')];
    }
    const container = rest.split(':').pop() ?? '';
    return { hostIp, targets: portRange(container), written: port };
  }
  if (port && typeof port === 'object') {
    const long = port as { host_ip?: unknown; target?: unknown };
    return {
      hostIp: long.host_ip === undefined || long.host_ip === null ? '' : String(long.host_ip),
      targets: portRange(String(long.target ?? '')),
      written: JSON.stringify(port),
    };
  }
  return undefined;
}

function portRange(text: string): number[] {
  const match = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(text);
  if (!match) return [];
  const from = Number(match[1]);
  const to = Number(match[2] ?? match[1]);
  if (to < from || to > 65535) return [];
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

/**
 * What the node will really expose of its unauthenticated kubelet: one finding per way anything beyond the
 * container's loopback reaches an open listener. `env` is what Compose interpolates with (the shell's environment
 * over the node folder's .env). Empty: nothing is exposed. Throws {@link UnreadableNodeFileError} when the node's files
 * cannot tell.
 */
export function nodeExposure(
  files: NodeFiles,
  service: string,
  env: Record<string, string | undefined> = {},
  composeFile: string = composeFileOf(files),
): ExposureFinding[] {
  const findings: ExposureFinding[] = [];
  const listeners = kubeletListeners(files).filter((listener) => listener.open);
  if (listeners.length === 0) return findings;
  if (files[composeFile] === undefined) throw new UnreadableNodeFileError(composeFile, undefined, 'is missing.');
  const { document, lines, error } = parseNodeYaml(files[composeFile], { merge: true });
  if (error) throw new UnreadableNodeFileError(composeFile, error.line, `${error.reason}.`);
  let compose: { services?: Record<string, Record<string, unknown> | null> };
  try {
    compose = (interpolateDocument(document.toJS({ maxAliasCount: 1000 }) ?? {}, env) ?? {}) as typeof compose;
  } catch (error) {
    if (!(error instanceof ComposeInterpolationError)) throw error;
    throw new UnreadableNodeFileError(composeFile, undefined, `${error.message}: cannot tell what the node publishes (Compose would refuse it too).`);
  }
  const services = compose.services && typeof compose.services === 'object' && !Array.isArray(compose.services) ? compose.services : {};
  const node = services[service];
  if (!node || typeof node !== 'object')
    throw new UnreadableNodeFileError(composeFile, undefined, `has no service "${service}": cannot tell what the node publishes.`);
  const lineOf = (path: (string | number)[]) => {
    const found = document.getIn(path, true) as { range?: [number, number] } | undefined;
    return found?.range ? lines.linePos(found.range[0]).line : undefined;
  };
  const names = listeners.map((listener) => `${listener.what} (port ${listener.port})`).join(', ');
  const open = `the kubelet's ${names} (anonymous, AlwaysAllow: it answers anyone)`;
  const networkMode = typeof node.network_mode === 'string' ? node.network_mode.trim() : '';

  for (const listener of listeners) {
    if (isLoopback(listener.address)) continue;
    findings.push({
      file: listener.addressFrom.file,
      line: listener.addressFrom.line,
      setting: listener.addressFrom.setting,
      value: listener.address,
      message: `the kubelet's ${listener.what} (port ${listener.port}) listens on ${listener.address || 'every address'}${listener.what === 'API' ? ' without authentication (anonymous, AlwaysAllow)' : ' (never authenticated)'}: ${networkMode === 'host' ? 'on the host network, anyone who reaches the host' : "anything that reaches the container's network"} can use it. Keep ${listener.what === 'healthz' ? 'healthzBindAddress' : 'address'}: 127.0.0.1${listener.what === 'API' ? ', or turn on authentication (authentication.anonymous.enabled: false with x509 client certificates)' : ''}.`,
    });
  }
  if (networkMode === 'host') {
    findings.push({
      file: composeFile,
      line: lineOf(['services', service, 'network_mode']),
      message: `network_mode: host puts ${open} on the host's network: its loopback is the host's, so every local user and process reaches it. Remove network_mode: host.`,
    });
  }
  const shared = /^(service|container):(.+)$/.exec(networkMode);
  if (shared) {
    findings.push({
      file: composeFile,
      line: lineOf(['services', service, 'network_mode']),
      message: `network_mode: ${networkMode} makes the node share ${shared[1]} ${shared[2]}'s network namespace: ${open} is reachable from it and through what it publishes. Remove network_mode.`,
    });
  }
  for (const [name, other] of Object.entries(services)) {
    if (name === service || !other || typeof other.network_mode !== 'string') continue;
    if (other.network_mode.trim() === `service:${service}` || other.network_mode.trim().startsWith('container:')) {
      findings.push({
        file: composeFile,
        line: lineOf(['services', name, 'network_mode']),
        message: `service ${name} shares a node's network namespace (network_mode: ${other.network_mode.trim()}): its processes reach ${open}. Give it a network of its own.`,
      });
    }
  }
  if (networkMode !== 'host') {
    const ports = Array.isArray(node.ports) ? node.ports : [];
    ports.forEach((port, index) => {
      const published = publishedPort(port);
      if (!published) return;
      const hits = listeners.filter((listener) => published.targets.includes(listener.port));
      if (hits.length === 0 || (published.hostIp !== '' && isLoopback(published.hostIp))) return;
      for (const listener of hits) {
        findings.push({
          file: composeFile,
          line: lineOf(['services', service, 'ports', index]),
          message: `ports: ${published.written} publishes the kubelet's ${listener.what} (port ${listener.port}, ${listener.what === 'API' ? 'unauthenticated here: anonymous, AlwaysAllow' : 'never authenticated'}) on ${published.hostIp || 'every interface of the host'}. Publish it on 127.0.0.1 only ("127.0.0.1:${listener.port}:${listener.port}"), or not at all.`,
        });
      }
    });
  }
  return findings;
}

/** Compose's .env file: KEY=VALUE lines (quotes removed, # comments and blank lines skipped). */
export function parseDotEnv(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const quoted = /^(["'])([\s\S]*)\1$/.exec(match[2]);
    env[match[1]] = quoted ? quoted[2] : match[2].replace(/\s+#.*$/, '');
  }
  return env;
}

/** `compose.yaml:12: …` lines, for messages. */
export function formatFindings(findings: ExposureFinding[], dir?: string): string[] {
  return findings.map((finding) => `${dir ? `${dir}/` : ''}${finding.file}${finding.line ? `:${finding.line}` : ''}: ${finding.message}`);
}
