import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:build`: the node operation "build" of kubelet-node, for this project. */
export default nodeExecutor('build');
