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
/**
 * The kubelet's drop-in folder (`--config-dir`) of a matrix member: its `*.conf` files, in name order, override
 * kubelet.yaml field by field. Dockerfile.kicbase copies it to {@link KUBELET_DROPIN_DIR_IN_NODE}.
 */
export const KUBELET_DROPIN_DIR = 'kubelet.conf.d';
export const KUBELET_DROPIN_DIR_IN_NODE = '/etc/kubernetes/kubelet.conf.d';
/** A matrix's record, in the matrix's folder (core/matrix.ts); its nodes are in subfolders beside it. */
export const MATRIX_RECORD = 'kubelet-matrix.yaml';
export const CRI_DOCKER_UNIT = 'units/cri-docker.service';
export const README = 'README.md';
export const BIN_README = 'bin/README.md';
/** The node's static pods (baked into its image by build, put into the running node by apply). */
export const MANIFESTS_DIR = 'manifests';
/** The kubelet and cri-dockerd executables of a node built with BINARY_SOURCE=local. */
export const BIN_DIR = 'bin';
export const EXAMPLE_POD = `${MANIFESTS_DIR}/hello-world.yaml`;
/** The example pod's image: tagged, so that every start runs the same image and pulls only when the node lacks it. */
export const EXAMPLE_POD_IMAGE = 'nginx:1.27';

/** Rendered or read files keyed by their path relative to the node's directory. */
export type NodeFiles = Record<string, string>;

/**
 * What a node's image is built from (paths and globs relative to the node's directory): a change to any of them may
 * change the image; nothing else in the folder can.
 */
export function imageInputs(composeFile: string = COMPOSE): string[] {
  return [DOCKERFILE, '.dockerignore', composeFile, KUBELET_YAML, `${KUBELET_DROPIN_DIR}/**/*`, 'units/**/*', `${MANIFESTS_DIR}/**/*`, `${BIN_DIR}/**/*`];
}

/** The compose file a node uses (any of the names Compose and nx-kubelet's inference know), or compose.yaml. */
export function composeFileOf(files: NodeFiles | ((path: string) => boolean)): string {
  const exists = typeof files === 'function' ? files : (path: string) => path in files;
  return COMPOSE_FILES.find((name) => exists(name)) ?? COMPOSE;
}
