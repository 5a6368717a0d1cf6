// kubelet-node: the framework-free part of nx-kubelet, shared by the Nx plugin (nx-kubelet), the projen component
// (projen-kubelet) and the `kubelet-node` CLI. The core: version matrix → node model → rendered files, and the one
// table of managed facts that upgrade and sync set. The operations (the table in operations/table.ts) over one
// docker runner. No Nx and no projen here.
export * from './core';
export * from './operations';
export { refuseUnknownOptions, schemaOptions, closestOption, UnknownOptionError } from './options-check';
