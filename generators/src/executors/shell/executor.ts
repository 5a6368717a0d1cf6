import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:shell`: the node operation "shell" of kubelet-node, for this project. */
export default nodeExecutor('shell');
