// Baseline executor for tools/bench/lifecycle.js: does nothing, so `nx run` of it costs what nx itself costs to run
// a task with a real executor (graph, task runner, the forked process the executor runs in).
module.exports = async function noop() {
  return { success: true };
};
