import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:status`: the node operation "status" of kubelet-node, for this project. */
export default nodeExecutor('status');
