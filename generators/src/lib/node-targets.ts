/**
 * A node's Nx targets, made from kubelet-node's table of operations: one target per operation, what each runs first
 * and whether it is cached. The inferred targets (plugin.ts) and the explicit ones (`--explicitTargets`) both come from
 * here. Loaded by the plugin worker: it imports only the table (plain data) and Nx's types.
 */
import type { TargetConfiguration, TargetDependencyConfig } from '@nx/devkit';
import { camelCased, CamelCased, OPERATION_NAMES, OperationName, operationSpec } from 'kubelet-node/operations-table';

/** The sync generator that keeps a node's files in line with its declared versions (on the target that builds the image). */
export const SYNC_GENERATOR = 'nx-kubelet:sync';
/** The image-building target that targets needing the workload's images run first in the projects a node depends on. */
export const IMAGE_BUILD_TARGET = 'docker:build';

/** The plugin options that name the targets: `buildTargetName`, `upTargetName`, …, `exportLogsTargetName`. */
export type TargetNameOptions = { [Operation in OperationName as `${CamelCased<Operation>}TargetName`]?: string };

/** The plugin option that names an operation's target. */
export function targetNameOption<Operation extends OperationName>(operation: Operation): `${CamelCased<Operation>}TargetName` {
  return `${camelCased(operation)}TargetName`;
}

/** Every operation's target name: the option's value, else the operation's name. */
export function targetNames(options: TargetNameOptions | undefined): Record<OperationName, string> {
  return Object.fromEntries(OPERATION_NAMES.map((operation) => [operation, options?.[targetNameOption(operation)] ?? operation])) as Record<
    OperationName,
    string
  >;
}

/**
 * The target of an operation, as the table says: the executor, what runs first (the image builds of the projects the
 * node depends on; projects without that target are skipped by Nx), and the sync generator before an operation that
 * builds the node's image. `up` brings the node's image up to date itself (one task, not a `build` task first).
 */
export function operationTarget(operation: OperationName, imageBuildTarget = IMAGE_BUILD_TARGET): TargetConfiguration {
  const spec = operationSpec(operation);
  const dependsOn: TargetDependencyConfig[] = [...(spec.needsWorkloadImages ? [{ target: imageBuildTarget, dependencies: true }] : [])];
  return {
    executor: `nx-kubelet:${operation}`,
    ...(dependsOn.length ? { dependsOn } : {}),
    ...(spec.buildsImage ? { syncGenerators: [SYNC_GENERATOR] } : {}),
  };
}
