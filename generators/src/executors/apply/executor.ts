import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:apply`: the node operation "apply" of kubelet-node, for this project. */
export default nodeExecutor('apply');
