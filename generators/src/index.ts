export * from './lib';
export { kubeletNodeGenerator } from './generators/kubelet-node/generator';
