/**
 * Whether a node's image is up to date, told without building it: one hash of exactly what a build of it reads, which
 * the build stores on the image as a label and the next build compares before it runs. The hash covers
 *
 * - every entry of the build context that the ignore file lets through, as Docker's own matcher selects it: its path,
 *   type, permission bits and content (a symlink: its target). Modification times and owners are not covered: BuildKit
 *   leaves them out of its cache keys too, so `docker compose build` would not rebuild for them either;
 * - the Dockerfile and the ignore file themselves;
 * - the compose service's build settings (`build`, `image`, `platform`) as Compose interpolates them, with the
 *   effective build args; when they take anything from the environment, the whole .env file too;
 * - the build's own options (extra build args, platform) and the environment variables that choose the builder;
 * - the local ID of every image the Dockerfile builds from (FROM, COPY --from, RUN --mount from=), or its absence.
 *
 * Pure: the operations read the files and ask the engine; this module only decides what is read and hashes it.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { ComposeInterpolationError, interpolateCompose, interpolateDocument } from './exposure';

/** The label on a node's image that holds the hash of its inputs. */
export const INPUTS_LABEL = 'kubelet-node.image-inputs';
/** What the hash covers, versioned: a change here makes every image's label differ, so each is rebuilt once. */
const INPUTS_FORMAT = 1;

/** Environment variables that choose or configure the builder `docker compose build` uses. */
export const BUILDER_ENV = [
  'DOCKER_BUILDKIT',
  'COMPOSE_DOCKER_CLI_BUILD',
  'COMPOSE_BAKE',
  'BUILDX_BUILDER',
  'DOCKER_DEFAULT_PLATFORM',
  'BUILDX_NO_DEFAULT_ATTESTATIONS',
];

// --- .dockerignore, as moby/patternmatcher reads and matches it ---------------------------------------------------

export interface IgnorePattern {
  /** The pattern as cleaned (no leading `/`, no trailing `/`, no `!`). */
  pattern: string;
  /** A `!` line: matching paths are taken back in. */
  exclusion: boolean;
  match(path: string): boolean;
}

/** Go's filepath.Clean for slash-separated paths. */
function clean(path: string): string {
  if (path === '') return '.';
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/**
 * The patterns of an ignore file (`.dockerignore`, or `<Dockerfile>.dockerignore` beside the Dockerfile): lines
 * starting with `#` are comments, blank lines are skipped, `!` takes paths back in, a leading `/` is dropped.
 * Throws on a line Docker refuses (a lone `!`).
 */
export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let line = raw.trim();
    if (line === '') continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    if (exclusion && line === '') throw new Error('illegal exclusion pattern: "!"');
    let pattern = clean(line);
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    patterns.push({ pattern, exclusion, match: compilePattern(pattern) });
  }
  return patterns;
}

/** A pattern's matcher, as patternmatcher compiles it (exact, prefix `a/**`, suffix `**\/a`, else a regexp). */
function compilePattern(pattern: string): (path: string) => boolean {
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  let regexp = '^';
  const chars = [...pattern];
  for (let index = 0, i = 0; index < chars.length; index++, i++) {
    const char = chars[index];
    if (char === '*') {
      if (chars[index + 1] === '*') {
        index++;
        if (chars[index + 1] === '/') index++;
        if (index + 1 >= chars.length) {
          if (kind === 'exact') kind = 'prefix';
          else {
            regexp += '.*';
            kind = 'regexp';
          }
        } else {
          regexp += '(.*/)?';
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        regexp += '[^/]*';
        kind = 'regexp';
      }
    } else if (char === '?') {
      regexp += '[^/]';
      kind = 'regexp';
    } else if ('.+()|{}$^'.includes(char)) {
      regexp += `\\${char}`;
    } else if (char === '\\') {
      if (index + 1 < chars.length) {
        const next = chars[++index];
        regexp += /[A-Za-z0-9]/.test(next) ? next : `\\${next}`;
        kind = 'regexp';
      } else regexp += '\\\\';
    } else if (char === '[' || char === ']') {
      regexp += char;
      kind = 'regexp';
    } else {
      regexp += char;
    }
  }
  if (kind === 'exact') return (path) => path === pattern;
  if (kind === 'prefix') {
    const prefix = pattern.slice(0, -2);
    return (path) => path.startsWith(prefix);
  }
  if (kind === 'suffix') {
    const suffix = pattern.slice(2);
    return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(`${regexp}$`, 's');
  } catch {
    throw new Error(`invalid pattern "${pattern}"`);
  }
  return (path) => compiled.test(path);
}

/**
 * Whether the build context leaves out `path` (slash-separated, relative to the context): the last pattern that
 * matches it or one of its parent folders decides (patternmatcher's MatchesOrParentMatches).
 */
export function isIgnored(path: string, patterns: IgnorePattern[]): boolean {
  const parts = path.split('/');
  let ignored = false;
  for (const pattern of patterns) {
    if (pattern.exclusion !== ignored) continue;
    let match = pattern.match(path);
    for (let depth = 1; !match && depth < parts.length; depth++) match = pattern.match(parts.slice(0, depth).join('/'));
    if (match) ignored = !pattern.exclusion;
  }
  return ignored;
}

/** Whether a left-out folder may still hold entries that a `!` pattern takes back in (then it must be walked). */
export function mayTakeBackIn(patterns: IgnorePattern[]): boolean {
  return patterns.some((pattern) => pattern.exclusion);
}

// --- the Dockerfile: which images it builds from -------------------------------------------------------------------

export interface DockerfileSources {
  /** The images (not stages, not scratch) the Dockerfile builds from, as it names them after its global ARGs. */
  images: string[];
  /** Why the images cannot be told (an image named through something other than the global ARGs), if so. */
  unknown?: string;
}

/** The Dockerfile's instructions: continuation lines joined, comments and blank lines dropped. */
function instructions(dockerfile: string): { keyword: string; rest: string }[] {
  const lines = dockerfile.split(/\r?\n/);
  let escape = '\\';
  // Parser directives: only at the very top, before any other line.
  for (const line of lines) {
    const directive = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape') escape = directive[2];
  }
  const result: { keyword: string; rest: string }[] = [];
  let current = '';
  for (const line of lines) {
    if (/^\s*#/.test(line) || (current === '' && line.trim() === '')) continue;
    const trimmed = line.replace(/\s+$/, '');
    if (trimmed.endsWith(escape)) {
      current += `${trimmed.slice(0, -escape.length)} `;
      continue;
    }
    current += trimmed;
    const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(current);
    if (match) result.push({ keyword: match[1].toUpperCase(), rest: match[2] });
    current = '';
  }
  if (current.trim()) {
    const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(current);
    if (match) result.push({ keyword: match[1].toUpperCase(), rest: match[2] });
  }
  return result;
}

/** Words of an instruction's arguments, quotes removed (`NAME="a b"` is one word). */
function words(text: string): string[] {
  return [...text.matchAll(/(?:[^\s"']+|"(?:[^"\\]|\\.)*"|'[^']*')+/g)].map((match) => match[0].replace(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g, (_, d, s) => d ?? s));
}

/** `text` with the variables of `args` expanded, or undefined when it names any other variable or syntax. */
function expand(text: string, args: Record<string, string | undefined>): string | undefined {
  if (!text.includes('$')) return text;
  if (text.includes('\\') || text.includes('$$')) return undefined;
  const names = [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]);
  if (names.some((name) => !(name in args))) return undefined;
  try {
    return interpolateCompose(text, args);
  } catch (error) {
    if (error instanceof ComposeInterpolationError) return undefined;
    throw error;
  }
}

/**
 * The images a Dockerfile builds from, with `buildArgs` (the effective build args) over its global ARGs' defaults:
 * every FROM that is not an earlier stage or `scratch`, every COPY/ADD `--from=` and RUN `--mount=from=` that is not
 * a stage. A remote ADD source (a URL, a git repository) cannot be told from here either.
 */
export function dockerfileSources(dockerfile: string, buildArgs: Record<string, string | undefined>): DockerfileSources {
  const args: Record<string, string | undefined> = {};
  const stages = new Set<string>();
  const images = new Set<string>();
  let seenFrom = false;
  const stageOrImage = (reference: string, what: string): string | undefined => {
    if (/^\d+$/.test(reference) || stages.has(reference.toLowerCase())) return undefined;
    if (reference.includes('$')) return `${what} names ${reference}`;
    images.add(reference);
    return undefined;
  };
  for (const { keyword, rest } of instructions(dockerfile)) {
    if (keyword === 'ARG' && !seenFrom) {
      for (const word of words(rest)) {
        const [name, ...value] = word.split('=');
        args[name] = name in buildArgs ? buildArgs[name] : value.length ? expand(value.join('='), args) : undefined;
        if (!(name in buildArgs) && value.length && args[name] === undefined) return { images: [], unknown: `ARG ${word} cannot be expanded here` };
      }
    } else if (keyword === 'FROM') {
      seenFrom = true;
      const parts = words(rest).filter((word) => !word.startsWith('--'));
      const image = parts[0] === undefined ? undefined : expand(parts[0], args);
      if (image === undefined || image === '')
        return { images: [], unknown: `FROM ${rest.trim()} names its image through variables other than the global ARGs` };
      if (image.toLowerCase() !== 'scratch') {
        const unknown = stageOrImage(image, 'FROM');
        if (unknown) return { images: [], unknown };
      }
      if (parts.length >= 3 && parts[1].toUpperCase() === 'AS') stages.add(parts[2].toLowerCase());
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      const all = words(rest);
      for (const word of all) {
        const from = /^--from=(.+)$/.exec(word)?.[1];
        const unknown = from === undefined ? undefined : stageOrImage(from, `${keyword} --from`);
        if (unknown) return { images: [], unknown };
      }
      if (keyword === 'ADD') {
        const remote = all.filter((word) => !word.startsWith('--')).find((word) => /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(word));
        if (remote) return { images: [], unknown: `ADD fetches ${remote}, which may change without any file here changing` };
      }
    } else if (keyword === 'RUN') {
      for (const word of words(rest)) {
        const mount = /^--mount=(.+)$/.exec(word)?.[1];
        const from = mount
          ?.split(',')
          .map((option) => /^from=(.+)$/.exec(option)?.[1])
          .find(Boolean);
        const unknown = from === undefined ? undefined : stageOrImage(from, 'RUN --mount from=');
        if (unknown) return { images: [], unknown };
      }
    }
  }
  return { images: [...images].sort() };
}

// --- the compose service's build settings ------------------------------------------------------------------------

/** What the compose file says about building the service, interpolated as Compose does it. */
export interface ComposeBuildSettings {
  /** `build` (long form), `image` and `platform` of the service, interpolated. */
  settings: { build: Record<string, unknown>; image?: unknown; platform?: unknown };
  /** The build args the service passes (a name without a value takes it from the environment, as Compose does). */
  args: Record<string, string>;
  /** The build context folder and the Dockerfile in it (relative to the node's folder / the context), or inline. */
  context: string;
  dockerfile: string;
  dockerfileInline?: string;
  /** The settings take something from the environment (then the .env file is an input too). */
  usesEnvironment: boolean;
}

/**
 * The service's build settings from the parsed compose document and the environment Compose interpolates with (the
 * folder's .env under the shell's environment), or why they cannot be told from the compose file alone.
 */
export function composeBuildSettings(
  document: Record<string, unknown>,
  service: string,
  env: Record<string, string | undefined>,
): ComposeBuildSettings | { unknown: string } {
  if (document.include !== undefined) return { unknown: 'the compose file includes other files (include:)' };
  const raw = ((document.services ?? {}) as Record<string, Record<string, unknown> | null>)[service] ?? {};
  if (raw.extends !== undefined) return { unknown: `service "${service}" extends another (extends:)` };
  if (raw.build === undefined || raw.build === null) return { unknown: `service "${service}" has no build section` };
  const rawBuild = typeof raw.build === 'string' ? { context: raw.build } : (raw.build as Record<string, unknown>);
  const picked = { build: rawBuild, image: raw.image, platform: raw.platform };
  let settings: ComposeBuildSettings['settings'];
  try {
    settings = interpolateDocument(picked, env) as ComposeBuildSettings['settings'];
  } catch (error) {
    if (error instanceof ComposeInterpolationError) return { unknown: error.message };
    throw error;
  }
  const build = settings.build;
  const args: Record<string, string> = {};
  let fromEnvironment = false;
  const setArg = (name: string, value: unknown) => {
    if (value === undefined || value === null) {
      fromEnvironment = true;
      if (env[name] !== undefined) args[name] = env[name]!;
    } else args[name] = String(value);
  };
  if (Array.isArray(build.args)) {
    for (const item of build.args) {
      const [name, ...value] = String(item).split('=');
      setArg(name, value.length ? value.join('=') : undefined);
    }
  } else if (build.args && typeof build.args === 'object') {
    for (const [name, value] of Object.entries(build.args)) setArg(name, value);
  }
  const context = build.context === undefined ? '.' : String(build.context);
  if (/^[a-z][a-z0-9+.-]*:\/\/|^git@|\.git(#|$)/i.test(context)) return { unknown: `the build context ${context} is remote` };
  if (build.additional_contexts !== undefined) return { unknown: 'the build has additional contexts (build.additional_contexts)' };
  if (build.pull === true || build.no_cache === true) return { unknown: `the compose file asks for ${build.pull === true ? 'build.pull' : 'build.no_cache'}` };
  return {
    settings,
    args,
    context,
    dockerfile: build.dockerfile === undefined ? 'Dockerfile' : String(build.dockerfile),
    dockerfileInline: typeof build.dockerfile_inline === 'string' ? build.dockerfile_inline : undefined,
    usesEnvironment: fromEnvironment || JSON.stringify(picked).includes('$'),
  };
}

// --- the hash ------------------------------------------------------------------------------------------------------

/** One entry of the build context that reaches the builder. */
export interface ContextEntry {
  /** Slash-separated, relative to the context folder. */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits (mode & 0o7777). */
  mode: number;
  /** SHA-256 of a file's content. */
  sha256?: string;
  /** A symlink's target. */
  target?: string;
}

/** Everything a build of the node's image reads (see the module's comment). */
export interface ImageInputs {
  settings: ComposeBuildSettings['settings'];
  /** The effective build args: the compose file's with the build's own over them. */
  buildArgs: Record<string, string>;
  platform?: string;
  /** The builder's environment variables ({@link BUILDER_ENV}). */
  builderEnv: Record<string, string | undefined>;
  /** The .env file, when the settings take something from the environment. */
  dotEnv?: string;
  dockerfile: string;
  ignoreFile?: string;
  context: ContextEntry[];
  /** Each image the Dockerfile builds from → its local image ID, or null when the engine does not have it. */
  baseImages: Record<string, string | null>;
}

/** The value of {@link INPUTS_LABEL}: `sha256:<hex>` of the inputs, independent of key and entry order. */
export function imageInputsHash(inputs: ImageInputs): string {
  const context = [...inputs.context].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const builderEnv = Object.fromEntries(Object.entries(inputs.builderEnv).filter(([, value]) => value !== undefined));
  return `sha256:${createHash('sha256')
    .update(stableJson({ format: INPUTS_FORMAT, ...inputs, builderEnv, context }))
    .digest('hex')}`;
}

/** JSON with every object's keys sorted and undefined members left out. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : stableJson(item))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
