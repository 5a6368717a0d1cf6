import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:logs`: the node operation "logs" of kubelet-node, for this project. */
export default nodeExecutor('logs');
