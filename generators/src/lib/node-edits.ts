/**
 * Structural edits of a node's files: each changes one thing (an ARG default, a compose build arg, a unit's flag, a
 * kubelet.yaml field) and leaves every other byte alone, so that users' edits survive upgrades and sync.
 * Pure string → string functions; YAML goes through the `yaml` Document API (comments, order and style kept).
 */
import { isMap, isScalar, parseDocument, Scalar } from 'yaml';

const argLine = (name: string) => new RegExp(`^(ARG ${name}=)(\\S*)(.*)$`, 'm');

/** The default of `ARG name=value` in a Dockerfile, or undefined when there is no such line. */
export function readDockerfileArg(dockerfile: string, name: string): string | undefined {
  return argLine(name).exec(dockerfile)?.[2];
}

/** Sets the default of an existing `ARG name=…` line; a Dockerfile without that line is returned unchanged. */
export function setDockerfileArg(dockerfile: string, name: string, value: string): string {
  return dockerfile.replace(argLine(name), (_, head: string, _old: string, rest: string) => `${head}${value}${rest}`);
}

/** Build args of a compose service as strings (missing service or args: empty). */
export function readComposeBuildArgs(compose: string, service: string): Record<string, string> {
  const args = parseDocument(compose).getIn(['services', service, 'build', 'args']);
  if (!isMap(args)) return {};
  return Object.fromEntries(args.items.map((pair) => [String(isScalar(pair.key) ? pair.key.value : pair.key), String(isScalar(pair.value) ? pair.value.value : pair.value)]));
}

/**
 * Sets existing build args of a compose service, keeping each value's quoting (a quoted "1.24" stays a string),
 * its comments and the rest of the file. Args that are not there are not added: they were removed on purpose.
 */
export function setComposeBuildArgs(compose: string, service: string, values: Record<string, string>): string {
  const document = parseDocument(compose);
  let changed = false;
  for (const [key, value] of Object.entries(values)) {
    const node = document.getIn(['services', service, 'build', 'args', key], true);
    if (!isScalar(node) || String(node.value) === value) continue;
    (node as Scalar).value = value;
    changed = true;
  }
  return changed ? document.toString() : compose;
}

/** Replaces the image tag of a compose service when it is exactly `from` (a user's own image name is kept). */
export function setComposeImage(compose: string, service: string, from: string, to: string): string {
  const document = parseDocument(compose);
  const node = document.getIn(['services', service, 'image'], true);
  if (!isScalar(node) || node.value !== from) return compose;
  node.value = to;
  return document.toString();
}

/**
 * Adds or removes a top-level kubelet.yaml field: `value` undefined removes it, otherwise it is set when missing
 * (an existing value is the user's and stays). `comment` goes above a newly added field.
 */
export function setKubeletField(kubeletYaml: string, field: string, value: unknown, comment?: string): string {
  const document = parseDocument(kubeletYaml);
  if (value === undefined) {
    if (!document.has(field)) return kubeletYaml;
    document.delete(field);
    return document.toString();
  }
  if (document.has(field)) return kubeletYaml;
  document.set(field, value);
  const pair = isMap(document.contents) ? document.contents.items.find((item) => isScalar(item.key) && item.key.value === field) : undefined;
  if (pair && comment && isScalar(pair.key)) pair.key.commentBefore = ` ${comment}`;
  return document.toString();
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
