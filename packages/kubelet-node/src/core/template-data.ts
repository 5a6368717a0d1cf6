import type { FactContext, NodeOperation } from './front-end';
import { managedFact } from './managed-facts';
import type { NodeModel } from './node-model';
import { EXAMPLE_POD_IMAGE, KUBELET_DROPIN_DIR, KUBELET_DROPIN_DIR_IN_NODE } from './node-files';
import { CRI_DOCKERD_RUNTIME_CONFIG_SINCE, REFERENCE_KUBE_VERSION, VERSION_DEPENDENT } from './version-matrix';

/**
 * What generated documents say about versions besides the node's own, taken from the version matrix (templates name
 * no version themselves): the minors each version-dependent capability starts or ends at, and the reference's version.
 */
const VERSION_FACTS = {
  versionDependent: VERSION_DEPENDENT,
  criDockerdRuntimeConfigSince: CRI_DOCKERD_RUNTIME_CONFIG_SINCE,
  reference: { kubeVersion: REFERENCE_KUBE_VERSION, firstTag: `${REFERENCE_KUBE_VERSION}.0`, branch: `release-${REFERENCE_KUBE_VERSION.replace(/^v/, '')}` },
};

/**
 * What templates see: the node's name, directory, hostname, binary source and compose names, the front-end's
 * commands, and `fact(id)` for anything version-dependent. Generated documents (`withVersions`) also see the whole
 * model, since describing the versions is what they are for, and the version matrix's minors (VERSION_FACTS).
 */
export function templateData(model: NodeModel, context: FactContext, withVersions = false): Record<string, unknown> {
  const neutral = {
    name: model.name,
    hostname: model.hostname,
    directory: model.directory,
    binarySource: model.binarySource,
    examplePod: model.examplePod,
    examplePodImage: EXAMPLE_POD_IMAGE,
    compose: { project: model.compose.project, service: model.compose.service, volume: model.compose.volume },
    engine: model.engine,
    resources: model.resources,
    matrix: model.matrix,
    kubeletDropinDir: KUBELET_DROPIN_DIR,
    kubeletDropinDirInNode: KUBELET_DROPIN_DIR_IN_NODE,
    fact: (id: string) => managedFact(id).value(model, context) ?? '',
    command: (operation: NodeOperation) => context.frontEnd.command(operation, model.name),
    versionsHowTo: context.frontEnd.versionsHowTo(model.name),
    provenance: context.frontEnd.provenance,
    ownership: context.frontEnd.ownership,
  };
  return withVersions ? { ...model, ...neutral, ...VERSION_FACTS, compose: model.compose } : neutral;
}
