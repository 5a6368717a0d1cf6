// projen-kubelet: standalone kubelet nodes in projen projects, from the same core as the nx-kubelet Nx plugin.
export { KubeletNode, projenFrontEnd } from './kubelet-node';
export type { KubeletNodeOptions } from './kubelet-node';
export { InvalidCustomizationError } from './customize';
export type { Customizations } from './customize';
export { InvalidNodeOptionsError, DEFAULT_VERSIONS, KUBERNETES_MINORS } from 'kubelet-node';
