#!/usr/bin/env node
/**
 * `kubelet-node <operation> <node-dir> [options]`: a node's operations from a plain terminal or script, with no Nx and
 * no projen. The options are the operations' (the Nx executors' and projen tasks' too); the exit code is 0 on
 * success, 1 on failure, and for `shell --command` the command's own.
 */
import { readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
// Narrow modules only: help and usage errors load no operation. The operations (the node's files, YAML, templates)
// are loaded when one runs, in main; cli-startup.spec.ts checks what --help loads.
import { formatCommand } from './operations/docker-cli';
import { operationOptions, operationSchema } from './operations/schemas';
import { isOperation, OPERATION_NAMES, OperationName, operationSpec } from './operations/table';
import { refuseUnknownOptions, UnknownOptionError } from './options-check';

interface SchemaProperty {
  type?: string | string[];
  description?: string;
  default?: unknown;
}

export class UsageError extends Error {}

/** The CLI's own options, beside the operation's. */
const CLI_OPTIONS: Record<string, SchemaProperty> = {
  name: { type: 'string', description: "The node's name: its compose service is the one named so. Default: the folder's name." },
};

function schemaProperties(operation: OperationName): Record<string, SchemaProperty> {
  return operationSchema(operation) as Record<string, SchemaProperty>;
}

export interface ParsedCommand {
  operation: OperationName;
  dir: string;
  name: string;
  options: Record<string, unknown>;
}

/**
 * Parses `<operation> <dir> [--key=value | --key value | --flag | --no-flag | --map.KEY=value] [-- <dir>]`, converting values to
 * the types the operation's schema gives. Unknown options are kept, so that the operation refuses them with the
 * closest known one named (one message for every front-end).
 */
export function parseCommandLine(argv: string[]): ParsedCommand {
  const [operation, ...rest] = argv;
  if (!operation || !isOperation(operation)) {
    throw new UsageError(operation ? `"${operation}" is not an operation: use ${OPERATION_NAMES.join(', ')}.` : 'Which operation?');
  }
  const properties = { ...schemaProperties(operation), ...CLI_OPTIONS };
  const positional: string[] = [];
  const options: Record<string, unknown> = {};
  // `--` ends the options (POSIX): every later word is the node's folder, even one that starts with "-".
  const end = rest.indexOf('--');
  const operands = end === -1 ? [] : rest.slice(end + 1);
  if (end !== -1) rest.splice(end);
  for (let index = 0; index < rest.length; index++) {
    let arg = rest[index];
    // A schema's one-letter alias: -f is --follow, -n 20 is --tail 20.
    const alias = /^-([a-zA-Z])(=.*)?$/.exec(arg);
    if (alias) {
      const long = Object.entries(properties).find(([, property]) => (property as { alias?: string }).alias === alias[1])?.[0];
      if (!long) throw new UsageError(`-${alias[1]} is not an option of ${operation}.`);
      arg = `--${long}${alias[2] ?? ''}`;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    let key = arg.slice(2, equals === -1 ? undefined : equals);
    let value: string | undefined = equals === -1 ? undefined : arg.slice(equals + 1);
    const [base, mapKey] = key.split(/\.(.*)/s, 2);
    const type = typeOf(properties[base]);
    if (value === undefined && key.startsWith('no-') && typeOf(properties[key.slice(3)]) === 'boolean') {
      key = key.slice(3);
      value = 'false';
    } else if (value === undefined && type !== 'boolean' && !takesFlagForm(properties[base]) && properties[base] !== undefined) {
      // An option the operation does not know takes no value from the next word: it is refused below by name.
      if (index + 1 >= rest.length) throw new UsageError(`--${key} needs a value.`);
      value = rest[++index];
    }
    if (mapKey !== undefined) {
      if (type !== 'object') throw new UsageError(`--${base} takes no ${base}.KEY form.`);
      options[base] = { ...(options[base] as object), [mapKey]: value ?? '' };
      continue;
    }
    options[key] = convert(key, value, typeOf(properties[key]));
  }
  positional.push(...operands);
  const late = operands.find((operand) => operand.startsWith('-'));
  if (positional.length > 1 && late !== undefined) {
    throw new UsageError(`${operation}: ${JSON.stringify(late)} comes after "--" (the end of options), so it is not an option: give options before "--".`);
  }
  if (positional.length !== 1) {
    throw new UsageError(
      positional.length === 0
        ? `${operation}: which node? Give its folder: kubelet-node ${operation} <node-dir>.`
        : `${operation}: one node folder, not ${positional.map((p) => `"${p}"`).join(', ')}.`,
    );
  }
  const dir = positional[0];
  const { name, ...operationOptions } = options;
  return { operation, dir, name: typeof name === 'string' ? name : basename(resolve(dir)), options: operationOptions };
}

/**
 * An option that is a flag or a string (logs' `--container`: the console log, or with --pod a container's name):
 * bare `--key` is the flag, only `--key=value` gives the string, so that it never swallows the node's folder.
 */
function takesFlagForm(property: SchemaProperty | undefined): boolean {
  return Array.isArray(property?.type) && property.type.includes('boolean');
}

function typeOf(property: SchemaProperty | undefined): string | undefined {
  const type = property?.type;
  return Array.isArray(type) ? (type.includes('string') ? 'string' : type[0]) : type;
}

function convert(key: string, value: string | undefined, type: string | undefined): unknown {
  if (type === 'boolean') {
    if (value === undefined || value === 'true') return true;
    if (value === 'false') return false;
    throw new UsageError(`--${key} is true or false, not "${value}".`);
  }
  if (type === 'number') {
    const number = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isFinite(number)) throw new UsageError(`--${key} is a number, not "${value}".`);
    return number;
  }
  if (type === 'object') {
    try {
      return JSON.parse(value ?? '');
    } catch {
      throw new UsageError(`--${key} is a JSON object, or give its entries one by one: --${key}.KEY=value.`);
    }
  }
  return value ?? true;
}

export function usage(operation?: OperationName): string {
  if (!operation) {
    return [
      'Usage: kubelet-node <operation> <node-dir> [options]',
      '',
      'Operations:',
      ...OPERATION_NAMES.map((name) => `  ${name.padEnd(12)} ${operationSpec(name).description}`),
      '',
      'Options of an operation: kubelet-node <operation> --help',
    ].join('\n');
  }
  const properties = { ...schemaProperties(operation), ...CLI_OPTIONS };
  return [
    `Usage: kubelet-node ${operation} <node-dir> [options]`,
    '',
    operationSpec(operation).description,
    '',
    ...Object.entries(properties).map(([key, property]) => {
      const type = typeOf(property);
      const shown = type === 'boolean' ? `--${key}` : type === 'object' ? `--${key}.KEY=value` : `--${key}=<${type ?? 'value'}>`;
      return `  ${shown.padEnd(28)} ${property.description ?? ''}${property.default !== undefined ? ` (default: ${JSON.stringify(property.default)})` : ''}`;
    }),
  ].join('\n');
}

/**
 * How messages tell the user to run another operation: `kubelet-node <operation> <dir>`, or, when a front-end runs
 * the CLI for its users (projen's tasks), its own command from KUBELET_NODE_COMMAND, where `{operation}` stands for
 * the operation (e.g. `npx projen my-node:{operation}`).
 */
export function hint(operation: string, args: string | undefined, dir: string, template = process.env.KUBELET_NODE_COMMAND): string {
  const command = template?.includes('{operation}') ? template.split('{operation}').join(operation) : formatCommand(['kubelet-node', operation, dir]);
  return args ? `${command} ${args}` : command;
}

/** Runs the CLI; resolves with the process's exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    console.info(usage());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    console.info(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version);
    return 0;
  }
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (isOperation(argv[0]) && (options.includes('--help') || options.includes('-h'))) {
    console.info(usage(argv[0]));
    return 0;
  }
  let command: ParsedCommand;
  try {
    command = parseCommandLine(argv);
    // Wrong usage exits 2, before anything runs; no framework's own options (--dryRun…) pass here.
    refuseUnknownOptions(command.options, operationOptions(command.operation), `kubelet-node ${command.operation}`, new Set());
  } catch (error) {
    if (error instanceof UnknownOptionError) {
      console.error(`kubelet-node: ${error.message}`);
      return 2;
    }
    if (!(error instanceof UsageError)) throw error;
    console.error(`kubelet-node: ${error.message}\n\n${usage(isOperation(argv[0]) ? argv[0] : undefined)}`);
    return 2;
  }
  const dir = command.dir;
  const shownDir = relative(process.cwd(), resolve(dir)) || '.';
  const { runOperation } = await import('./operations/run');
  return runOperation(
    command.operation,
    {
      name: command.name,
      dir,
      displayDir: shownDir,
      command: (operation, args) => hint(operation, args, shownDir),
      commandFor: (_name, nodeDir) => (operation, args) => hint(operation, args, nodeDir, ''),
      matrixSync: "run the sync of the workspace whose matrix generator made the matrix (nx-kubelet's sync generator)",
    },
    command.options,
    `kubelet-node ${command.operation}`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
