/**
 * The node operations, one implementation for every front-end: the Nx executors, the projen tasks and the
 * `kubelet-node` CLI all call {@link runOperation}. Which operations there are is the table in `./table`; each
 * operation's options are described by `schemas/<name>.json` of this package (`./schemas`).
 */
export { NODE_OPERATIONS, OPERATION_NAMES, isOperation, operationSpec, camelCased } from './table';
export type { OperationName, NodeOperationSpec, OperationImplementation, CamelCased } from './table';
export { OPERATION_SCHEMAS_DIR, operationOptions, operationSchema } from './schemas';
export { runOperation } from './run';

export type { NodeContext, NodeDescription, NodeRef, DockerConnectionOptions } from './node-context';
export type { BuildNodeOptions } from './build';
export { BUILD_OPTION_NAMES } from './build-node';
export type { UpOptions } from './up';
export type { DownOptions } from './down';
export type { LogsOptions, LogUnit } from './logs';
export type { StatusOptions } from './status';
export type { ShellOptions } from './shell';
export type { LoadOptions } from './load';
export type { ApplyOptions } from './apply';
export type { ExportLogsOptions } from './export-logs';
export type { ReportOptions, ReportNodeRef, Report, NodeReport, PodReport, PodOutcome, KubeletMessage, MessageCategory, NodeVersions } from './report';
export { reportNodes, collectNodeReport, REPORT_SCHEMA, REPORT_FILES } from './report';
export { ManifestError, manifestImages, normalizeImageRef, parseManifest, readManifestFolder } from '../core/manifests';
export type { StaticPod } from '../core/manifests';
export { DockerCommandError, DockerNotFoundError, formatCommand, runCommand, runDocker } from './docker-cli';
export type { DockerTarget, RunOptions, RunResult } from './docker-cli';
export { loadNode } from './node-context';
