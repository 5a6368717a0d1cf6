import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:up`: the node operation "up" of kubelet-node, for this project. */
export default nodeExecutor('up');
