// The package's main entry, which nx loads as a plugin: only the inferred targets, so that plugin workers start fast.
// The pure core (version matrix, resolveNode, renderNode, upgrade logic) is the package kubelet-node.
export { createDependencies, createNodes, createNodesV2, inferNodeProject, normalizePluginOptions } from './plugin';
export type { KubeletPluginOptions } from './plugin';
