// The pure core of nx-kubelet (no Nx, no projen): version matrix → node model → rendered files, the table of managed
// facts that upgrade and sync set, and the upgrade planning. Every front-end uses it.
export * from './version-matrix';
export * from './kubelet-checksums';
export * from './versions';
export * from './node-model';
export * from './engine-address';
export * from './node-files';
export * from './front-end';
export * from './managed-facts';
export * from './render-template';
export * from './template-data';
export * from './apply-facts';
export * from './render-node';
export * from './matrix';
export * from './load-templates';
export { realDirectoryOutside, realLocation } from './workspace-path';
export { readComposeBuildArgs, readDockerfileArg } from './locators';
export { checkNodeFiles, describeValue, readDeclaredVersions, readEngineRecord, requiredNodeFiles, UnreadableNodeError } from './node-records';
export type { EngineRecord, NodeIdentity } from './node-records';
export { managedPaths, modelOfNode, planUpgrade, syncNodeFiles, upgradeNodeFiles, interpolateComposeValue, versionsFromDockerfile } from './upgrade-node';
export type { ExistingNode, UpgradePlan, VersionRequest } from './upgrade-node';
export {
  ComposeInterpolationError,
  formatFindings,
  interpolateCompose,
  isLoopback,
  kubeletListeners,
  nodeExposure,
  parseDotEnv,
  publishedPort,
  UnreadableNodeFileError,
  KUBELET_CONFIG_IN_NODE,
} from './exposure';
export type { ExposureFinding, KubeletListener } from './exposure';
export { isKubeletDropin, KUBELET_FIELDS, kubeletConfig, kubeletFlags, kubeletSetting } from './kubelet-config';
export type { KubeletConfig, KubeletField, KubeletFlags, KubeletSetting } from './kubelet-config';
