// The control of tools/bench/graph.js: an Nx plugin with nx-kubelet's glob that infers nothing. Registered beside
// explicit project.json targets it costs what any plugin costs (a worker process, the glob, a round trip), so
// "explicit + this" minus "explicit" is nx's fixed price of one plugin, which no plugin can lower.
const createNodes = ['**/Dockerfile.kicbase', async () => []];
module.exports = { createNodes, createNodesV2: createNodes };
