/**
 * Structural edits of a node's files: each changes one thing (an ARG default, a compose build arg, a unit's flag, a
 * kubelet.yaml field) and leaves every other byte alone, so that users' edits survive upgrades and sync.
 * Pure string → string functions; YAML goes through the `yaml` Document API (comments, order and style kept).
 */
import { isMap, isScalar, isSeq, parseDocument, Scalar } from 'yaml';


const argLine = (name: string) => new RegExp(`^(ARG ${name}=)(\\S*)(.*)$`, 'm');

/** The default of `ARG name=value` in a Dockerfile, or undefined when there is no such line. */
export function readDockerfileArg(dockerfile: string, name: string): string | undefined {
  return argLine(name).exec(dockerfile)?.[2];
}

/** Sets the default of an existing `ARG name=…` line; a Dockerfile without that line is returned unchanged. */
export function setDockerfileArg(dockerfile: string, name: string, value: string): string {
  return dockerfile.replace(argLine(name), (_, head: string, _old: string, rest: string) => `${head}${value}${rest}`);
}

/** Build args of a compose service as strings, in either compose form (mapping, or a `KEY=value` list). */
export function readComposeBuildArgs(compose: string, service: string): Record<string, string> {
  const args = parseDocument(compose).getIn(['services', service, 'build', 'args']);
  const text = (node: unknown) => String(isScalar(node) ? node.value : node);
  if (isSeq(args)) {
    return Object.fromEntries(args.items.map((item) => text(item).split('=')).map(([key, ...rest]) => [key, rest.join('=')]));
  }
  if (!isMap(args)) return {};
  return Object.fromEntries(args.items.map((pair) => [text(pair.key), text(pair.value)]));
}

/**
 * Replaces the text of one scalar in a YAML file, found by its path, and nothing else: the other bytes (comments,
 * spacing, flow style) stay exactly as they were, and the scalar keeps its quoting (a quoted "1.24" stays a string).
 * Returns the text unchanged when the path does not lead to a scalar.
 */
export function replaceYamlScalar(text: string, path: (string | number)[], value: string): string {
  const node = parseDocument(text).getIn(path, true);
  if (!isScalar(node) || !node.range || String(node.value) === value) return text;
  const [start, end] = node.range;
  const rendered =
    node.type === Scalar.QUOTE_DOUBLE ? JSON.stringify(value) : node.type === Scalar.QUOTE_SINGLE ? `'${value.replace(/'/g, "''")}'` : value;
  return `${text.slice(0, start)}${rendered}${text.slice(end)}`;
}

/**
 * Sets existing build args of a compose service (see {@link replaceYamlScalar}). Args that are not there are not
 * added: they were removed on purpose.
 */
export function setComposeBuildArgs(compose: string, service: string, values: Record<string, string>): string {
  return Object.entries(values).reduce((text, [key, value]) => replaceYamlScalar(text, ['services', service, 'build', 'args', key], value), compose);
}

/** Replaces the image tag of a compose service when it is exactly `from` (a user's own image name is kept). */
export function setComposeImage(compose: string, service: string, from: string, to: string): string {
  const node = parseDocument(compose).getIn(['services', service, 'image'], true);
  return isScalar(node) && node.value === from ? replaceYamlScalar(compose, ['services', service, 'image'], to) : compose;
}

/**
 * Adds or removes a top-level kubelet.yaml field, as text: `value` undefined removes the field's lines (and the line
 * `# comment` right above it); otherwise a missing field is appended, under `# comment`. A field that is there is
 * the user's and keeps its value.
 */
export function setKubeletField(kubeletYaml: string, field: string, value: string | number | boolean | undefined, comment?: string): string {
  const document = parseDocument(kubeletYaml);
  const pair = isMap(document.contents) ? document.contents.items.find((item) => isScalar(item.key) && item.key.value === field) : undefined;
  if (value !== undefined) {
    if (pair) return kubeletYaml;
    const base = kubeletYaml.endsWith('\n') || kubeletYaml === '' ? kubeletYaml : `${kubeletYaml}\n`;
    return `${base}${comment ? `# ${comment}\n` : ''}${field}: ${JSON.stringify(value)}\n`;
  }
  if (!pair || !isScalar(pair.key) || !pair.key.range) return kubeletYaml;
  const valueEnd = (pair.value as { range?: [number, number, number] } | null)?.range?.[2] ?? pair.key.range[1];
  const lines = kubeletYaml.split('\n');
  const lineOf = (offset: number) => kubeletYaml.slice(0, offset).split('\n').length - 1;
  let first = lineOf(pair.key.range[0]);
  const last = lineOf(Math.max(valueEnd - 1, pair.key.range[0]));
  if (comment && lines[first - 1] === `# ${comment}`) first -= 1;
  lines.splice(first, last - first + 1);
  return lines.join('\n');
}

/**
 * Sets, replaces or (value undefined) removes a `--flag=value` argument on the ExecStart= line of a unit's
 * [Service] section. A comment line right above ExecStart that starts with `# --flag` explains the flag; it is
 * removed with it and `comment` is added with it.
 */
export function setExecStartFlag(unit: string, flag: string, value: string | undefined, comment?: string): string {
  const lines = unit.split('\n');
  const index = execStartIndex(lines);
  if (index < 0) return unit;
  const tokens = lines[index].split(' ');
  const at = tokens.findIndex((token) => token === flag || token.startsWith(`${flag}=`));
  if (value === undefined) {
    if (at < 0) return unit;
    tokens.splice(at, 1);
    lines[index] = tokens.join(' ');
    if (lines[index - 1]?.startsWith(`# ${flag}`)) lines.splice(index - 1, 1);
    return lines.join('\n');
  }
  if (at >= 0) tokens[at] = `${flag}=${value}`;
  else tokens.push(`${flag}=${value}`);
  lines[index] = tokens.join(' ');
  if (at < 0 && comment && !lines[index - 1]?.startsWith(`# ${flag}`)) lines.splice(index, 0, `# ${comment}`);
  return lines.join('\n');
}

/** The value of `--flag=value` on a unit's ExecStart line, or undefined. */
export function readExecStartFlag(unit: string, flag: string): string | undefined {
  const lines = unit.split('\n');
  const index = execStartIndex(lines);
  const token = index < 0 ? undefined : lines[index].split(' ').find((t) => t.startsWith(`${flag}=`));
  return token?.slice(flag.length + 1);
}

function execStartIndex(lines: string[]): number {
  let section = '';
  let found = -1;
  lines.forEach((line, index) => {
    if (/^\[.*\]$/.test(line.trim())) section = line.trim();
    else if (section === '[Service]' && line.startsWith('ExecStart=') && line.length > 'ExecStart='.length) found = index;
  });
  return found;
}

/** Replaces `from` by `to` in the lines that `select` picks (generated comments and descriptions that name a version). */
export function replaceInLines(text: string, select: (line: string) => boolean, from: string, to: string): string {
  if (from === to) return text;
  return text
    .split('\n')
    .map((line) => (select(line) ? line.split(from).join(to) : line))
    .join('\n');
}
