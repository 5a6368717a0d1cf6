import { nodeExecutor } from '../lib/run-executor';

/** `nx run <node>:load`: the node operation "load" of kubelet-node, for this project. */
export default nodeExecutor('load');
