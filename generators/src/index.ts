// The package's main entry, which nx loads as a plugin (inferred targets), plus the pure core for programmatic use.
export { createNodes, createNodesV2, inferNodeProject } from './plugin';
export type { KubeletPluginOptions } from './plugin';
export * from './lib';
