import { buildNode, BuildOptions } from './build-node';
import { DockerConnectionOptions, NodeContext } from './node-context';

export type BuildNodeOptions = BuildOptions & DockerConnectionOptions;

/** `build`: `docker compose build` of the node's image. */
export async function build(node: NodeContext, options: BuildNodeOptions): Promise<boolean> {
  await buildNode(node, options);
  return true;
}
