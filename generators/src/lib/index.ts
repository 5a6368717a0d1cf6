// The pure core of nx-kubelet (no Nx types): options → validated node model → rendered files.
export * from './version-matrix';
export * from './versions';
export * from './node-model';
export * from './render-node';
export * from './load-templates';
export * from './node-edits';
export { declareVersionsInProjectJson, planUpgrade, upgradeNodeFiles, syncVersionArgs, versionArgs, versionsFromDockerfile, modelOfNode } from './upgrade-node';
export type { ExistingNode, FileChanges, UpgradePlan, VersionRequest } from './upgrade-node';
