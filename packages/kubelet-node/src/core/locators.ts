/**
 * How a managed fact is found in a node's file, read and written: structurally, one thing at a time, every other
 * byte left alone. Each locator reads a value (or says the fact is absent, or that the file cannot be read for it)
 * and writes a value (or removes the fact). Pure string → string functions.
 */
import { isMap, isScalar, isSeq, parseDocument, Scalar } from 'yaml';

/** What a locator finds: the fact's current value, its absence, or why the file cannot be read for it. */
export type Found = { state: 'present'; value: string } | { state: 'absent' } | { state: 'unreadable'; reason: string };

export interface Locator {
  /** How the fact is found, for messages: `ARG KUBE_VERSION=…`, `services.my-node.build.args.KUBE_VERSION`. */
  describe(context: LocatorContext): string;
  read(text: string, context: LocatorContext): Found;
  /** Sets the value (adding the fact when it is absent and the locator can add it), or removes it (undefined). */
  write(text: string, value: string | undefined, context: LocatorContext): string;
  /** True when {@link write} can add the fact to a file that lacks it. */
  readonly canAdd: boolean;
}

/** What a locator needs to know about the node: the compose service that is the node. */
export interface LocatorContext {
  service: string;
}

const present = (value: string): Found => ({ state: 'present', value });
const ABSENT: Found = { state: 'absent' };
const unreadable = (reason: string): Found => ({ state: 'unreadable', reason });

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile: `ARG NAME=value` (the first one: the global ARG before the first FROM carries the default).

// Dockerfile instructions are case-insensitive (`ARG`, `arg`); the value may be quoted.
const argLine = (name: string) => new RegExp(`^([ \\t]*[Aa][Rr][Gg][ \\t]+${name}=)("[^"]*"|'[^']*'|\\S*)(.*)$`, 'm');
const unquote = (value: string) => (/^(["']).*\1$/.test(value) && value.length >= 2 ? value.slice(1, -1) : value);

export function dockerfileArg(name: string): Locator {
  return {
    canAdd: false,
    describe: () => `ARG ${name}`,
    read(text) {
      const match = argLine(name).exec(text);
      return match ? present(unquote(match[2])) : ABSENT;
    },
    write(text, value) {
      if (value === undefined) throw new Error(`ARG ${name} is not removable`);
      return text.replace(
        argLine(name),
        (_, head: string, old: string, rest: string) =>
          `${head}${old.startsWith('"') ? JSON.stringify(value) : old.startsWith("'") ? `'${value}'` : value}${rest}`,
      );
    },
  };
}

/** The default of `ARG name=value` in a Dockerfile, or undefined when there is no such line. */
export function readDockerfileArg(dockerfile: string, name: string): string | undefined {
  const found = dockerfileArg(name).read(dockerfile, { service: '' });
  return found.state === 'present' ? found.value : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// YAML: one scalar, replaced by its source range (quoting, comments, flow style and spacing kept).

type YamlPath = (string | number)[];

// Parsed documents are only read (edits replace text by source range), so the same text is parsed once: applying
// twenty facts to a node reads compose.yaml many times.
const parsed = new Map<string, ReturnType<typeof parseOnce>>();
function parseOnce(text: string) {
  const document = parseDocument(text);
  return document.errors.length > 0 ? { error: document.errors[0].message.split('\n')[0] } : { document };
}
function parseYaml(text: string) {
  let result = parsed.get(text);
  if (!result) {
    if (parsed.size >= 64) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, (result = parseOnce(text)));
  }
  return result;
}

/** A value written into an existing scalar keeps the scalar's quoting; a plain scalar is quoted if YAML would read it as something else. */
function renderScalar(node: Scalar, value: string): string {
  if (node.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (node.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  const reread = parseYaml(value).document?.contents;
  return isScalar(reread) && reread.value === value ? value : JSON.stringify(value);
}

function replaceRange(text: string, node: Scalar, replacement: string): string {
  const [start, end] = node.range!;
  return `${text.slice(0, start)}${replacement}${text.slice(end)}`;
}

/** Replaces the text of the scalar at `path`; the text is returned unchanged when there is none. */
export function replaceYamlScalar(text: string, path: YamlPath, value: string): string {
  const parsed = parseYaml(text);
  if (!parsed.document) return text;
  const node = parsed.document.getIn(path, true);
  if (!isScalar(node) || !node.range || String(node.value) === value) return text;
  return replaceRange(text, node, renderScalar(node, value));
}

/** The compose service of the node, or why it cannot be read. */
function composeService(text: string, service: string) {
  const parsed = parseYaml(text);
  if (!parsed.document) return { error: `it is not valid YAML (${parsed.error})` };
  const node = parsed.document.getIn(['services', service], true);
  if (!isMap(node)) return { error: `it has no service "${service}" (the node's own service)` };
  return { document: parsed.document, node };
}

/** A scalar key of the node's compose service, e.g. `image`. */
export function composeServiceKey(key: string): Locator {
  return {
    canAdd: false,
    describe: ({ service }) => `services.${service}.${key}`,
    read(text, { service }) {
      const found = composeService(text, service);
      if (!found.document) return unreadable(found.error);
      const node = found.node.get(key, true);
      if (node === undefined) return ABSENT;
      return isScalar(node) ? present(String(node.value)) : unreadable(`services.${service}.${key} is not a single value`);
    },
    write(text, value, { service }) {
      if (value === undefined) throw new Error(`${key} is not removable`);
      return replaceYamlScalar(text, ['services', service, key], value);
    },
  };
}

/**
 * A build arg of the node's compose service, in either form compose allows: a mapping (`KEY: value`) or a list
 * (`- KEY=value`). A key without a value (`KEY:` or `- KEY`) takes the value from the environment: it is read as
 * `${KEY}`, i.e. interpolated.
 */
export function composeBuildArg(name: string): Locator {
  const locate = (text: string, service: string) => {
    const found = composeService(text, service);
    if (!found.document) return { error: found.error };
    const build = found.node.get('build', true);
    const args = isMap(build) ? build.get('args', true) : undefined;
    if (isMap(args)) {
      const pair = args.items.find((item) => isScalar(item.key) && String(item.key.value) === name);
      if (!pair) return {};
      return isScalar(pair.value) && pair.value.value !== null ? { mapValue: pair.value } : { fromEnvironment: true };
    }
    if (isSeq(args)) {
      const item = args.items.find((entry) => isScalar(entry) && (String(entry.value) === name || String(entry.value).startsWith(`${name}=`)));
      if (!isScalar(item)) return {};
      return String(item.value) === name ? { fromEnvironment: true } : { listItem: item };
    }
    return {};
  };
  return {
    canAdd: false,
    describe: ({ service }) => `services.${service}.build.args.${name}`,
    read(text, { service }) {
      const found = locate(text, service);
      if (found.error) return unreadable(found.error);
      if (found.fromEnvironment) return present(`\${${name}}`);
      if (found.mapValue) return present(String(found.mapValue.value));
      if (found.listItem) return present(String(found.listItem.value).slice(name.length + 1));
      return ABSENT;
    },
    write(text, value, { service }) {
      if (value === undefined) throw new Error(`build arg ${name} is not removable`);
      const found = locate(text, service);
      if (found.mapValue?.range) return replaceRange(text, found.mapValue, renderScalar(found.mapValue, value));
      if (found.listItem?.range) return replaceRange(text, found.listItem, renderScalar(found.listItem, `${name}=${value}`));
      return text;
    },
  };
}

/** Build args of a compose service as strings, in either compose form (see {@link composeBuildArg}). */
export function readComposeBuildArgs(compose: string, service: string): Record<string, string> {
  const found = composeService(compose, service);
  if (!found.document) return {};
  const build = found.node.get('build', true);
  const args = isMap(build) ? build.get('args', true) : undefined;
  const keys = isMap(args)
    ? args.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key))
    : isSeq(args)
      ? args.items.map((item) => String(isScalar(item) ? item.value : item).split('=')[0])
      : [];
  const entries = keys.map((key) => [key, composeBuildArg(key).read(compose, { service })] as const);
  return Object.fromEntries(entries.flatMap(([key, found]) => (found.state === 'present' ? [[key, found.value]] : [])));
}

/**
 * A top-level field of a YAML file that exists only for some nodes (e.g. `failCgroupV1` in kubelet.yaml from 1.31).
 * Added after the field `after` (or at the end), under `# comment`; removed with its lines and that comment.
 * The value is written as YAML text (`false` is a boolean).
 */
export function yamlTopLevelField(field: string, placement: { after?: string; comment?: string } = {}): Locator {
  const pairOf = (text: string) => {
    const parsed = parseYaml(text);
    if (!parsed.document) return { error: `it is not valid YAML (${parsed.error})` };
    const contents = parsed.document.contents;
    if (!isMap(contents)) return { error: 'it is not a YAML mapping' };
    if (contents.flow) return { error: 'it is written as one flow mapping (JSON style), which nx-kubelet does not edit line by line' };
    const pairs = contents.items;
    const index = pairs.findIndex((item) => isScalar(item.key) && item.key.value === field);
    return { pairs, index };
  };
  // The line range [first, last] a pair occupies (the value may span lines).
  const linesOf = (text: string, pair: { key: unknown; value: unknown }) => {
    const key = pair.key as Scalar;
    const valueEnd = (pair.value as { range?: [number, number, number] } | null)?.range?.[2] ?? key.range![1];
    const lineAt = (offset: number) => text.slice(0, offset).split('\n').length - 1;
    return { first: lineAt(key.range![0]), last: lineAt(Math.max(valueEnd - 1, key.range![0])) };
  };
  return {
    canAdd: true,
    describe: () => `${field}:`,
    read(text) {
      const found = pairOf(text);
      if (found.error) return unreadable(found.error);
      if (found.index! < 0) return ABSENT;
      const value = found.pairs![found.index!].value;
      return present(isScalar(value) ? String(value.value) : String(value));
    },
    write(text, value) {
      const found = pairOf(text);
      if (found.error) return text;
      const pairs = found.pairs!;
      const lines = text.split('\n');
      if (found.index! >= 0) {
        const pair = pairs[found.index!];
        if (value !== undefined) return isScalar(pair.value) && pair.value.range ? replaceRange(text, pair.value, value) : text;
        const span = linesOf(text, pair);
        const first = placement.comment && lines[span.first - 1] === `# ${placement.comment}` ? span.first - 1 : span.first;
        lines.splice(first, span.last - first + 1);
        return lines.join('\n');
      }
      if (value === undefined) return text;
      // A value that starts on the next line (a block mapping) follows the colon directly.
      const inserted = [...(placement.comment ? [`# ${placement.comment}`] : []), `${field}:${value.startsWith('\n') ? '' : ' '}${value}`];
      const anchor = pairs.find((item) => isScalar(item.key) && item.key.value === placement.after);
      if (anchor) {
        lines.splice(linesOf(text, anchor).last + 1, 0, ...inserted);
        return lines.join('\n');
      }
      const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
      return `${base}${inserted.join('\n')}\n`;
    },
  };
}

/**
 * An entry of a top-level mapping (e.g. `featureGates.KubeletCgroupDriverFromCRI` in kubelet.yaml). Added as a line
 * of that mapping when it is a block mapping; when the mapping is not there, it is added (after `placement.after`,
 * under `# comment`). Removed with its line, and the mapping too when nothing else is left in it.
 */
export function yamlMapEntry(map: string, key: string, placement: { after?: string; comment?: string } = {}): Locator {
  const mapLocator = yamlTopLevelField(map, placement);
  const locate = (text: string) => {
    const parsed = parseYaml(text);
    if (!parsed.document) return { error: `it is not valid YAML (${parsed.error})` };
    const node = parsed.document.get(map, true);
    if (node === undefined) return { absentMap: true };
    if (!isMap(node)) return { error: `${map} is not a mapping` };
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
    return { node, pair };
  };
  const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
  return {
    canAdd: true,
    describe: () => `${map}.${key}`,
    read(text) {
      const found = locate(text);
      if (found.error) return unreadable(found.error);
      if (!found.pair) return ABSENT;
      return isScalar(found.pair.value) ? present(String(found.pair.value.value)) : unreadable(`${map}.${key} is not a single value`);
    },
    write(text, value) {
      const found = locate(text);
      if (found.error) return text;
      if (found.absentMap) return value === undefined ? text : mapLocator.write(text, `\n  ${key}: ${value}`, { service: '' });
      const { node, pair } = found as { node: import('yaml').YAMLMap; pair?: import('yaml').Pair<Scalar, Scalar> };
      if (pair && value !== undefined) return isScalar(pair.value) && pair.value.range ? replaceRange(text, pair.value, value) : text;
      if (pair) {
        // A flow mapping ({a: true, b: false}) is not edited line by line: left as it is (applyFacts reports it).
        if (node.flow) return text;
        if (node.items.length === 1) return mapLocator.write(text, undefined, { service: '' });
        const start = lineStart(text, (pair.key as Scalar).range![0]);
        const end = text.indexOf('\n', (pair.value as Scalar).range![1]);
        return `${text.slice(0, start)}${end < 0 ? '' : text.slice(end + 1)}`;
      }
      if (value === undefined) return text;
      // A new line after the mapping's last entry, indented like its first (a flow mapping {…} cannot take one).
      if (node.flow || node.items.length === 0) return text;
      const first = node.items[0].key as Scalar;
      const indent = text.slice(lineStart(text, first.range![0]), first.range![0]);
      const last = node.items[node.items.length - 1];
      const end = text.indexOf('\n', ((last.value as Scalar | null)?.range ?? (last.key as Scalar).range!)[1]);
      const at = end < 0 ? text.length : end + 1;
      return `${text.slice(0, at)}${end < 0 ? '\n' : ''}${indent}${key}: ${value}\n${text.slice(at)}`;
    },
  };
}

/**
 * A value of a YAML file by its path (e.g. `healthzPort` or `staticPodPath` of kubelet.yaml), in any YAML style,
 * JSON included: what the operations need to know of a node, which nx-kubelet reads but does not manage (read only).
 */
export function yamlValue(...path: string[]): Locator {
  const shown = path.join('.');
  return {
    canAdd: false,
    describe: () => `${shown}:`,
    read(text) {
      const parsed = parseYaml(text);
      if (!parsed.document) return unreadable(`it is not valid YAML (${parsed.error})`);
      const node = parsed.document.getIn(path, true);
      if (node === undefined || node === null) return ABSENT;
      if (!isScalar(node)) return unreadable(`${shown} is not a single value`);
      return node.value === null || node.value === undefined ? ABSENT : present(String(node.value));
    },
    write() {
      throw new Error(`${shown} is read, not written, by nx-kubelet`);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// systemd units: one flag of the command that ExecStart= runs, also when ExecStart= is wrapped over several lines.

interface ExecStart {
  /** Indices of the physical lines of the (last, effective) ExecStart= of [Service]. */
  lines: number[];
  /** Its tokens, with the physical line and column of each. */
  tokens: { text: string; line: number; column: number }[];
}

function findExecStart(lines: string[]): ExecStart | undefined {
  let section = '';
  let found: ExecStart | undefined;
  for (let index = 0; index < lines.length; index++) {
    const trimmed = lines[index].trim();
    if (/^\[.*\]$/.test(trimmed)) {
      section = trimmed;
      continue;
    }
    if (section !== '[Service]' || !/^ExecStart\s*=/.test(trimmed)) continue;
    const physical = [index];
    while (lines[physical[physical.length - 1]].trimEnd().endsWith('\\') && physical[physical.length - 1] + 1 < lines.length) {
      physical.push(physical[physical.length - 1] + 1);
    }
    const tokens: ExecStart['tokens'] = [];
    for (const line of physical) {
      const text = lines[line];
      const start = line === index ? text.indexOf('=') + 1 : 0;
      for (const match of text.slice(start).matchAll(/\S+/g)) {
        if (match[0] === '\\') continue;
        const token = match[0].endsWith('\\') ? match[0].slice(0, -1) : match[0];
        if (token) tokens.push({ text: token, line, column: start + match.index! });
      }
    }
    // An empty ExecStart= resets the list (drop-in style); the last non-empty one is what runs.
    found = tokens.length > 0 ? { lines: physical, tokens } : undefined;
    index = physical[physical.length - 1];
  }
  return found;
}

/**
 * The command the unit's (last, effective) ExecStart= in [Service] runs, as its words with the 0-based line of each,
 * or undefined when there is none. Words are split on whitespace as systemd does for unquoted words; surrounding
 * quotes are removed.
 */
export function execStartCommand(unit: string): { text: string; line: number }[] | undefined {
  return findExecStart(unit.split('\n'))?.tokens.map(({ text, line }) => ({ text: text.replace(/^(["'])(.*)\1$/, '$2'), line }));
}

/** The executable an ExecStart= runs, without systemd's prefixes (`-`, `@`, `:`, `+`, `!`). */
function executableOf(execStart: ExecStart): string {
  return execStart.tokens[0].text.replace(/^[-@:+!]+/, '');
}

/**
 * A `--flag=value` (or `--flag value`) argument of the command that the unit's ExecStart= runs; that command must be
 * `binary` (a unit whose ExecStart runs a script of yours cannot be managed). Added at the end of the command, with
 * `# comment` above ExecStart=; removed with a comment above ExecStart= that starts with `# --flag`.
 */
export function execStartFlag(binary: string, flag: string, comment?: string): Locator {
  const locate = (text: string) => {
    const lines = text.split('\n');
    const execStart = findExecStart(lines);
    if (!execStart) return { lines, error: 'its [Service] section has no ExecStart=' };
    const executable = executableOf(execStart);
    if (executable.split('/').pop() !== binary) return { lines, error: `its ExecStart= runs ${executable}, not ${binary}` };
    const at = execStart.tokens.findIndex((token) => token.text === flag || token.text.startsWith(`${flag}=`));
    return { lines, execStart, at };
  };
  const commentAbove = (lines: string[], execStart: ExecStart) => {
    let index = execStart.lines[0] - 1;
    while (index >= 0 && lines[index].startsWith('#')) {
      if (lines[index].startsWith(`# ${flag}`)) return index;
      index--;
    }
    return -1;
  };
  return {
    canAdd: true,
    describe: () => `${flag} in ExecStart=`,
    read(text) {
      const found = locate(text);
      if (!found.execStart) return unreadable(found.error!);
      if (found.at! < 0) return ABSENT;
      const token = found.execStart.tokens[found.at!];
      if (token.text.includes('=')) return present(token.text.slice(flag.length + 1));
      const next = found.execStart.tokens[found.at! + 1]?.text;
      return present(next === undefined || next.startsWith('-') ? '' : next);
    },
    write(text, value) {
      const found = locate(text);
      if (!found.execStart) return text;
      const { lines, execStart, at } = found as { lines: string[]; execStart: ExecStart; at: number };
      if (at >= 0) {
        const token = execStart.tokens[at];
        const following = execStart.tokens[at + 1];
        const separate = !token.text.includes('=') && following !== undefined && !following.text.startsWith('-');
        const span = separate ? [token, following] : [token];
        if (value !== undefined) {
          const target = span[span.length - 1];
          const old = target.text;
          const replacement = separate ? value : `${flag}=${value}`;
          lines[target.line] = `${lines[target.line].slice(0, target.column)}${replacement}${lines[target.line].slice(target.column + old.length)}`;
          return lines.join('\n');
        }
        // Remove the flag (and its separate value), right to left so that columns stay valid.
        for (const piece of [...span].reverse()) {
          const line = lines[piece.line];
          let from = piece.column;
          while (from > 0 && (line[from - 1] === ' ' || line[from - 1] === '\t')) from--;
          lines[piece.line] = `${line.slice(0, from)}${line.slice(piece.column + piece.text.length)}`;
        }
        // A continuation line left with nothing but `\` goes; the command must not end in a dangling `\`.
        const kept = execStart.lines.filter((line, i) => i === 0 || lines[line].replace(/\\\s*$/, '').trim() !== '');
        const removed = execStart.lines.filter((line) => !kept.includes(line));
        const last = kept[kept.length - 1];
        if (removed.includes(execStart.lines[execStart.lines.length - 1])) lines[last] = lines[last].replace(/\s*\\\s*$/, '');
        for (const line of removed.reverse()) lines.splice(line, 1);
        const commentLine = commentAbove(lines, { ...execStart, lines: kept });
        if (commentLine >= 0) lines.splice(commentLine, 1);
        return lines.join('\n');
      }
      if (value === undefined) return text;
      const last = execStart.lines[execStart.lines.length - 1];
      lines[last] = `${lines[last].replace(/\s+$/, '')} ${flag}=${value}`;
      if (comment && commentAbove(lines, execStart) < 0) lines.splice(execStart.lines[0], 0, `# ${comment}`);
      return lines.join('\n');
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A whole generated file (documentation such as README.md): present or absent, its text the value.

export const wholeFile: Locator = {
  canAdd: true,
  describe: () => 'the whole file',
  read: (text) => present(text),
  write: (_text, value) => value ?? '',
};
