// Baseline generator for tools/bench: writes a single file, so its CLI time is nx's own start-up and tree handling.
module.exports = async function noop(tree, options) {
  tree.write(`packages/${options.name}/README.md`, `# ${options.name}\n`);
};
