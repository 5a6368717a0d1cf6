import { buildNode, BuildOptions, checkBuild } from './build-node';
import { DockerConnectionOptions, NodeContext, NodeDescription } from './node-context';

export type BuildNodeOptions = BuildOptions & DockerConnectionOptions;

/** `build`: `docker compose build` of the node's image. */
export async function build(node: NodeContext, options: BuildNodeOptions): Promise<boolean> {
  await buildNode(node, options);
  return true;
}

/** Before docker: what the build needs from the node's files. */
build.check = (node: NodeDescription, options: BuildNodeOptions): void => checkBuild(node, options);
