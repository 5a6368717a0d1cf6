import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:down`: the node operation "down" of kubelet-node, for this project. */
export default nodeExecutor('down');
