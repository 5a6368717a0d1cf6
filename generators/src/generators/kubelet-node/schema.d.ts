/** The nx CLI turns number-like arguments (1.35) into numbers before schema validation. */
export type VersionOption = string | number;

/** Options of `nx g nx-kubelet:kubelet-node`, as the CLI passes them (see schema.json). */
export interface KubeletNodeGeneratorSchema {
  name: string;
  directory?: string;
  tags?: string;
  kubeVersion?: VersionOption;
  criDockerdVersion?: VersionOption;
  kicbaseVersion?: VersionOption;
  kubeGoVersion?: VersionOption;
  criDockerdGoVersion?: VersionOption;
  binarySource?: 'source' | 'release' | 'local';
  kicbaseImage?: string;
  examplePod?: boolean;
  hostname?: string;
  allowUnknownVersions?: boolean;
  engine?: 'docker' | 'podman';
  dockerContext?: string;
  dockerHost?: string;
  cpus?: number | string;
  memory?: string;
  explicitTargets?: boolean;
  skipFormat?: boolean;
}
