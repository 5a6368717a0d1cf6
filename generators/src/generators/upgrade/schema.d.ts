import type { VersionOption } from '../kubelet-node/schema';

/** Options of `nx g nx-kubelet:upgrade` (see schema.json). */
export interface UpgradeGeneratorSchema {
  project?: string;
  all?: boolean;
  kubeVersion?: VersionOption;
  criDockerdVersion?: VersionOption;
  kicbaseVersion?: VersionOption;
  kubeGoVersion?: VersionOption;
  criDockerdGoVersion?: VersionOption;
  kicbaseImage?: string;
  allowUnknownVersions?: boolean;
  force?: boolean;
  skipFormat?: boolean;
}
