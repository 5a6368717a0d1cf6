/**
 * Where each operation's options are described: `schemas/<name>.json` of this package (the Nx executors' schemas are
 * copies). A module of its own, light on imports, so that the CLI reads options and prints help without loading the
 * operations (the node's files, YAML, templates).
 */
import { join } from 'node:path';
import { schemaOptions, schemaProperties } from '../options-check';
import type { OperationName } from './table';

/** The folder that holds `<operation>.json`, the JSON schema of each operation's options. */
export const OPERATION_SCHEMAS_DIR = join(__dirname, '..', '..', 'schemas');

/** The option names an operation accepts. */
export function operationOptions(operation: OperationName): string[] {
  return schemaOptions(OPERATION_SCHEMAS_DIR, `${operation}.json`);
}

/** The JSON schema properties of an operation's options (types, enums). */
export function operationSchema(operation: OperationName): Record<string, object> {
  return schemaProperties(OPERATION_SCHEMAS_DIR, `${operation}.json`);
}
