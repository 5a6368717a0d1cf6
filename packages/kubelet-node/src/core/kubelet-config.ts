/**
 * A node's kubelet settings as the kubelet will run them, read in this one place: the flags of the kubelet unit's
 * ExecStart= over the config file (`--config`, the node's kubelet.yaml) with the drop-ins of `--config-dir` (the node
 * folder's `kubelet.conf.d/`) applied over it, else the defaults. As the kubelet does it
 * (k8s.io/kubernetes cmd/kubelet/app/server.go, mergeKubeletConfigurations):
 * - every file whose name ends in `.conf` anywhere under the drop-in folder, in the order a walk of the folder
 *   visits them (lexical by name, a subfolder where its name sorts); other files are ignored;
 * - each is applied as a JSON merge patch over the settings so far: mappings merge key by key, recursively; scalars
 *   and lists replace; a null removes the setting (its default applies again);
 * - flags win over every file; the last of a repeated flag wins;
 * - without --config-dir the drop-in folder is ignored; without --config the flags' own (wide-open) defaults apply.
 * Only the node's own files are understood (`--config=/kubelet.yaml`, `--config-dir=/etc/kubernetes/kubelet.conf.d`):
 * anything else is {@link UnreadableNodeFileError}, never a guess.
 */
import { isMap, isScalar, LineCounter, Node as YamlNode, visit } from 'yaml';
import { parseNodeYaml, UnreadableNodeFileError } from './exposure';
import { execStartCommand } from './locators';
import { KUBELET_DROPIN_DIR, KUBELET_DROPIN_DIR_IN_NODE, KUBELET_UNIT, KUBELET_YAML, NodeFiles } from './node-files';

/** The config file the node's image gives the kubelet (Dockerfile.kicbase copies kubelet.yaml there). */
export const KUBELET_CONFIG_IN_NODE = '/kubelet.yaml';

/** A kubelet setting's effective value and where it comes from (a node file and its 1-based line, when set in one). */
export interface KubeletSetting {
  value: string;
  file: string;
  line?: number;
  /** The kubelet.yaml field path (`authentication.anonymous.enabled`) or flag (`--address`) that sets it. */
  setting?: string;
}

/** The flags of the command the kubelet unit's ExecStart= runs, by name without dashes (the last of a repeated one wins). */
export type KubeletFlags = Map<string, KubeletSetting>;

/**
 * The kubelet unit's flags, or undefined when the unit has no ExecStart= (the words come from locators.ts's
 * {@link execStartCommand}, the one reader of a unit's command).
 */
export function kubeletFlags(unit: string | undefined): KubeletFlags | undefined {
  const command = unit === undefined ? undefined : execStartCommand(unit);
  if (!command) return undefined;
  const flags: KubeletFlags = new Map();
  for (let index = 1; index < command.length; index++) {
    const word = command[index].text;
    const match = /^--?([a-z0-9-]+)(?:=([\s\S]*))?$/.exec(word);
    if (!match) continue;
    const [, name, inline] = match;
    const separate = inline === undefined && command[index + 1] && !command[index + 1].text.startsWith('-') ? command[index + 1].text : undefined;
    // The last of a repeated flag wins, as for the kubelet's flag parser.
    flags.set(name, { value: inline ?? separate ?? 'true', line: command[index].line + 1, file: KUBELET_UNIT, setting: `--${name}` });
  }
  return flags;
}

/** A flag whose value comes from an environment variable: nothing can be decided on it. */
export function refuseEnvironmentFlag(name: string, flag: KubeletSetting): void {
  if (flag.value.includes('$'))
    throw new UnreadableNodeFileError(
      KUBELET_UNIT,
      flag.line,
      `--${name}=${flag.value} comes from an environment variable: cannot tell what the kubelet will run with.`,
    );
}

/**
 * The KubeletConfiguration fields nx-kubelet reads, each with the flag that overrides it and its two defaults: the
 * KubeletConfiguration (v1beta1) default that applies with --config, and the flag's own default without it.
 */
export const KUBELET_FIELDS = {
  address: { path: ['address'], flag: 'address', configDefault: '0.0.0.0', flagDefault: '0.0.0.0' },
  port: { path: ['port'], flag: 'port', configDefault: '10250', flagDefault: '10250' },
  readOnlyPort: { path: ['readOnlyPort'], flag: 'read-only-port', configDefault: '0', flagDefault: '10255' },
  healthzBindAddress: { path: ['healthzBindAddress'], flag: 'healthz-bind-address', configDefault: '127.0.0.1', flagDefault: '127.0.0.1' },
  healthzPort: { path: ['healthzPort'], flag: 'healthz-port', configDefault: '10248', flagDefault: '10248' },
  anonymousAuth: { path: ['authentication', 'anonymous', 'enabled'], flag: 'anonymous-auth', configDefault: 'false', flagDefault: 'true' },
  authorizationMode: { path: ['authorization', 'mode'], flag: 'authorization-mode', configDefault: 'Webhook', flagDefault: 'AlwaysAllow' },
  staticPodPath: { path: ['staticPodPath'], flag: 'pod-manifest-path', configDefault: '', flagDefault: '' },
} as const satisfies Record<string, KubeletField>;

export interface KubeletField {
  path: readonly string[];
  flag?: string;
  configDefault: string;
  flagDefault: string;
}

/** One parsed config file (kubelet.yaml or a drop-in), in the order the kubelet applies them. */
interface ConfigLayer {
  file: string;
  contents: YamlNode | null;
  lines: LineCounter;
}

/** The kubelet's settings as it will run them (see the module's comment). */
export interface KubeletConfig {
  flags: KubeletFlags;
  /** --config is given: the KubeletConfiguration defaults apply, else the flags' own. */
  usesConfig: boolean;
  /** The drop-ins the kubelet applies, node-relative, in its order (empty without --config-dir). */
  dropins: string[];
  /**
   * A field's value as the config files set it (kubelet.yaml under the drop-ins; no flags, no defaults), with the file
   * and line that set it; undefined when none does. Throws {@link UnreadableNodeFileError} for a field that is not a
   * single value.
   */
  configValue(path: readonly string[]): KubeletSetting | undefined;
  /** A field's effective value: its flag, else the config files, else the default that applies. */
  setting(field: KubeletField): KubeletSetting;
}

/** Node-relative drop-in paths in the order the kubelet's walk of the folder visits them (name by name, bytewise). */
function walkOrder(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    if (left[index] !== right[index]) return left[index] < right[index] ? -1 : 1;
  }
  return left.length - right.length;
}

/** True for a node file the kubelet reads as a drop-in (with --config-dir): a `*.conf` under kubelet.conf.d/. */
export function isKubeletDropin(path: string): boolean {
  return path.startsWith(`${KUBELET_DROPIN_DIR}/`) && /\.conf$/.test(path.split('/').pop() ?? '');
}

/**
 * The kubelet's settings from a node's files (kubelet.yaml, the unit, and `kubelet.conf.d/**` entries when present).
 * `flags`: the unit's flags (default: read from the unit in `files`; none when it has no ExecStart=). Throws
 * {@link UnreadableNodeFileError} when the files cannot tell: a --config or --config-dir that is not the node's own or
 * comes from an environment variable, a kubelet.yaml or drop-in that does not parse or is not a mapping.
 */
export function kubeletConfig(files: NodeFiles, flags: KubeletFlags = kubeletFlags(files[KUBELET_UNIT]) ?? new Map()): KubeletConfig {
  const config = flags.get('config');
  if (config) refuseEnvironmentFlag('config', config);
  if (config && config.value !== KUBELET_CONFIG_IN_NODE) {
    throw new UnreadableNodeFileError(
      KUBELET_UNIT,
      config.line,
      `--config=${config.value} is not the node's ${KUBELET_YAML} (${KUBELET_CONFIG_IN_NODE} in the node): cannot tell what the kubelet will run with.`,
    );
  }
  const configDir = flags.get('config-dir');
  if (configDir) refuseEnvironmentFlag('config-dir', configDir);
  // An empty --config-dir= is no drop-in folder, as for the kubelet.
  const usesDropins = configDir !== undefined && configDir.value !== '';
  if (usesDropins && configDir.value.replace(/\/+$/, '') !== KUBELET_DROPIN_DIR_IN_NODE) {
    throw new UnreadableNodeFileError(
      KUBELET_UNIT,
      configDir.line,
      `--config-dir=${configDir.value} is not the node's ${KUBELET_DROPIN_DIR}/ (${KUBELET_DROPIN_DIR_IN_NODE} in the node): cannot tell what the kubelet will run with.`,
    );
  }
  const usesConfig = config !== undefined;
  const layers: ConfigLayer[] = [];
  const layer = (file: string, what: string) => {
    // The kubelet reads its files as YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2): `yes`, `on` are true there.
    const parsed = parseNodeYaml(files[file], { version: '1.1' });
    if (parsed.error) throw new UnreadableNodeFileError(file, parsed.error.line, `${parsed.error.reason}.`);
    // Aliases and merge keys would make a value come from elsewhere in the file: refused rather than misread.
    visit(parsed.document, {
      Alias(_, node) {
        throw new UnreadableNodeFileError(
          file,
          node.range ? parsed.lines.linePos(node.range[0]).line : undefined,
          'uses a YAML alias (*name): write the kubelet settings out, so that what the kubelet runs with can be told.',
        );
      },
      Pair(_, pair) {
        if (isScalar(pair.key) && pair.key.value === '<<')
          throw new UnreadableNodeFileError(
            file,
            pair.key.range ? parsed.lines.linePos(pair.key.range[0]).line : undefined,
            'uses a YAML merge key (<<): write the kubelet settings out, so that what the kubelet runs with can be told.',
          );
      },
    });
    const contents = parsed.document.contents;
    if (contents !== null && !isMap(contents)) {
      const line = contents.range ? parsed.lines.linePos(contents.range[0]).line : undefined;
      throw new UnreadableNodeFileError(file, line, `is not a mapping of ${what}.`);
    }
    layers.push({ file, contents, lines: parsed.lines });
  };
  if (usesConfig) {
    if (files[KUBELET_YAML] === undefined)
      throw new UnreadableNodeFileError(KUBELET_YAML, undefined, 'is missing: cannot tell what the kubelet will run with.');
    layer(KUBELET_YAML, 'kubelet settings');
  }
  const dropins = usesDropins ? Object.keys(files).filter(isKubeletDropin).sort(walkOrder) : [];
  for (const dropin of dropins) layer(dropin, 'kubelet settings (a KubeletConfiguration drop-in)');

  const configValue = (path: readonly string[]): KubeletSetting | undefined => {
    // The last layer that says anything about the path decides it (merge patch: a null or a non-mapping on the way
    // replaces everything earlier files said below it).
    for (let index = layers.length - 1; index >= 0; index--) {
      const { file, contents, lines } = layers[index];
      let node: unknown = contents;
      let depth = 0;
      for (; depth < path.length; depth++) {
        if (!isMap(node)) break;
        const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : item.key) === path[depth]);
        if (!pair) break;
        node = pair.value;
        if (node === null || (isScalar(node) && node.value === null)) return undefined; // removed: the default applies
        if (depth < path.length - 1 && !isMap(node)) return undefined; // replaced by a value: nothing below it
      }
      // This layer does not set the path (a mapping on the way merges): earlier layers decide it.
      if (depth < path.length) continue;
      const line = (node as YamlNode).range ? lines.linePos((node as YamlNode).range![0]).line : undefined;
      if (!isScalar(node)) throw new UnreadableNodeFileError(file, line, `${path.join('.')} is not a single value.`);
      return { value: String(node.value), file, line, setting: path.join('.') };
    }
    return undefined;
  };
  const setting = (field: KubeletField): KubeletSetting => {
    const flag = field.flag === undefined ? undefined : flags.get(field.flag);
    if (flag) {
      refuseEnvironmentFlag(field.flag!, flag);
      return flag;
    }
    if (!usesConfig && !usesDropins) return { value: field.flagDefault, file: KUBELET_UNIT };
    return configValue(field.path) ?? { value: usesConfig ? field.configDefault : field.flagDefault, file: usesConfig ? KUBELET_YAML : KUBELET_UNIT };
  };
  return { flags, usesConfig, dropins, configValue, setting };
}

/** The effective value of a KubeletConfiguration field (see {@link kubeletConfig}), with the file and line that set it. */
export function kubeletSetting(files: NodeFiles, field: KubeletField, flags?: KubeletFlags): KubeletSetting {
  return kubeletConfig(files, flags).setting(field);
}
