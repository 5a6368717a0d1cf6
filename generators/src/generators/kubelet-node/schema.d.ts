/** Options of `nx g nx-kubelet:kubelet-node`, as the CLI passes them (see schema.json). */
export interface KubeletNodeGeneratorSchema {
  name: string;
  directory?: string;
  tags?: string;
  kubeVersion?: string;
  criDockerdVersion?: string;
  kicbaseVersion?: string;
  kubeGoVersion?: string;
  criDockerdGoVersion?: string;
  examplePod?: boolean;
  hostname?: string;
  allowUnknownVersions?: boolean;
  skipFormat?: boolean;
}
