import { buildNode, BuildOptions } from '../lib/build-node';
import { DockerConnectionOptions, loadNode } from '../lib/node-context';
import { nodeExecutor } from '../lib/run-executor';

export type BuildExecutorOptions = BuildOptions & DockerConnectionOptions;

/** `nx run <node>:build`: `docker compose build` of the node's image. */
export default nodeExecutor<BuildExecutorOptions>(async (options, context) => {
  const node = await loadNode(options, context);
  await buildNode(node, options, context.root);
  return true;
});
