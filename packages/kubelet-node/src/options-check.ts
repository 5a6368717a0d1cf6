/**
 * Unknown options, refused with the closest known one named. The nx CLI passes options a generator's schema does not
 * list straight through (`--kubeVerison=1.35` would silently generate a 1.34 node), and its own message for executors
 * ("'timout' is not found in schema") names no alternative. Schemas therefore allow additional properties and every
 * generator and executor calls this first. Framework-free: it only needs the schema's property names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Nx's own flags and internals that can reach a generator's or executor's options. */
const NX_OWN = new Set(['_', '$0', '__unparsed__', '__overrides_unparsed__', 'interactive', 'dryRun', 'verbose', 'help', 'quiet']);

export class UnknownOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownOptionError';
  }
}

/** The properties of the JSON schema `file` in `dir` (a generator's or operation's), read once per file. */
const known = new Map<string, Record<string, SchemaProperty>>();
export function schemaProperties(dir: string, file = 'schema.json'): Record<string, SchemaProperty> {
  const path = join(dir, file);
  if (!known.has(path)) known.set(path, JSON.parse(readFileSync(path, 'utf8')).properties ?? {});
  return known.get(path)!;
}

/** The property names of the JSON schema `file` in `dir`. */
export function schemaOptions(dir: string, file = 'schema.json'): string[] {
  return Object.keys(schemaProperties(dir, file));
}

/** What {@link checkOptionValues} reads of a schema property. */
export interface SchemaProperty {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
}

/**
 * Checks each given option's value against its schema property: its type (`number` also for integers; `array` or
 * `string` for a list given either way), its `enum` and `minimum`. Throws an {@link InvalidOptionValueError} naming
 * the option and what it takes. Framework-free: every front-end's values arrive here.
 */
export function checkOptionValues(options: object, properties: Record<string, SchemaProperty>): void {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const property = properties[key];
    if (property === undefined || value === undefined) continue;
    const types = property.type === undefined ? [] : Array.isArray(property.type) ? property.type : [property.type];
    const typeOf = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    const list = Array.isArray(value) && value.every((item) => typeof item === 'string'); // a list option given as a list
    const fits = types.length === 0 || types.some((type) => type === typeOf || (type === 'integer' && Number.isInteger(value)) || (type === 'string' && list));
    if (!fits || (typeOf === 'number' && !Number.isFinite(value))) {
      problems.push(`--${key} takes ${types.join(' or ')}, not ${JSON.stringify(value)}.`);
    } else if (property.enum && !property.enum.includes(value)) {
      problems.push(`--${key} ${JSON.stringify(value)} is not one of ${property.enum.join(', ')}.`);
    } else if (property.minimum !== undefined && typeof value === 'number' && value < property.minimum) {
      problems.push(`--${key} is at least ${property.minimum}, not ${value}.`);
    }
  }
  if (problems.length > 0) throw new InvalidOptionValueError(problems.join('\n'));
}

export class InvalidOptionValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOptionValueError';
  }
}

/** Throws, naming each unknown option and the known option closest to it. */
export function refuseUnknownOptions(options: object, knownOptions: readonly string[], what: string, frameworkOptions: ReadonlySet<string> = NX_OWN): void {
  const unknown = Object.keys(options).filter((key) => !knownOptions.includes(key) && !frameworkOptions.has(key));
  if (unknown.length === 0) return;
  const lines = unknown.map((key) => {
    const closest = closestOption(key, knownOptions);
    return `--${key} is not an option of ${what}${closest ? `: did you mean --${closest}?` : '.'}`;
  });
  throw new UnknownOptionError(`${lines.join('\n')}\nIts options: ${knownOptions.map((name) => `--${name}`).join(', ')}.`);
}

/** The known option nearest to `input` by edit distance, if it is near enough to be a typo (or differs only in case). */
export function closestOption(input: string, knownOptions: readonly string[]): string | undefined {
  const scored = knownOptions.map((option) => ({ option, distance: editDistance(input.toLowerCase(), option.toLowerCase()) }));
  scored.sort((a, b) => a.distance - b.distance);
  const best = scored[0];
  return best && best.distance <= Math.max(2, Math.floor(best.option.length / 3)) ? best.option : undefined;
}

/** Damerau-Levenshtein distance (optimal string alignment): a swapped pair of letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
