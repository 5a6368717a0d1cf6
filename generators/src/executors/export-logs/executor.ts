import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:export-logs`: the node operation "export-logs" of kubelet-node, for this project. */
export default nodeExecutor('export-logs');
