/** The files of a node that nx-kubelet knows by name (relative to the node's directory). */
export const DOCKERFILE = 'Dockerfile.kicbase';
/** Stands for the node's compose file, whichever of the names Compose accepts it has (see composeFileOf). */
export const COMPOSE = 'compose.yaml';
/** The names Compose accepts for a compose file, in the order it looks for them; nodes may use any. */
export const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'] as const;
/** The compose file's top-level extension field that records the node's engine (`docker-context` or `docker-host`). */
export const ENGINE_KEY = 'x-kubelet-node';
export const KUBELET_YAML = 'kubelet.yaml';
export const KUBELET_UNIT = 'units/kubelet.service';
export const CRI_DOCKER_UNIT = 'units/cri-docker.service';
export const README = 'README.md';
export const BIN_README = 'bin/README.md';
export const EXAMPLE_POD = 'manifests/hello-world.yaml';
/** The example pod's image: tagged, so that every start runs the same image and pulls only when the node lacks it. */
export const EXAMPLE_POD_IMAGE = 'nginx:1.27';

/** Rendered or read files keyed by their path relative to the node's directory. */
export type NodeFiles = Record<string, string>;

/** The compose file a node uses (any of the names Compose and nx-kubelet's inference know), or compose.yaml. */
export function composeFileOf(files: NodeFiles | ((path: string) => boolean)): string {
  const exists = typeof files === 'function' ? files : (path: string) => path in files;
  return COMPOSE_FILES.find((name) => exists(name)) ?? COMPOSE;
}
