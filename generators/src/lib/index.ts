// The pure core of nx-kubelet (no Nx types): options → validated node model → rendered files.
export * from './version-matrix';
export * from './versions';
export * from './node-model';
export * from './render-node';
export * from './load-templates';
