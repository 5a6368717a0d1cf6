/**
 * The static pod manifests, as the operations (and, through `kubelet-node/dist/operations/manifests`, the Nx plugin's
 * project graph) have always imported them. Parsing and reading them is the core's (core/manifests.ts); an operation
 * reads a node's manifests/ folder through its node context (`nodeManifests` in node-context.ts).
 */
export * from '../core/manifests';
