import type { FactContext, NodeOperation } from './front-end';
import { managedFact } from './managed-facts';
import type { NodeModel } from './node-model';

/**
 * What templates see: the node's name, directory, hostname, binary source and compose names, the front-end's
 * commands, and `fact(id)` for anything version-dependent. Generated documents (`withVersions`) also see the whole
 * model, since describing the versions is what they are for.
 */
export function templateData(model: NodeModel, context: FactContext, withVersions = false): Record<string, unknown> {
  const neutral = {
    name: model.name,
    hostname: model.hostname,
    directory: model.directory,
    binarySource: model.binarySource,
    examplePod: model.examplePod,
    compose: { project: model.compose.project, service: model.compose.service, volume: model.compose.volume },
    engine: model.engine,
    resources: model.resources,
    fact: (id: string) => managedFact(id).value(model, context) ?? '',
    command: (operation: NodeOperation) => context.frontEnd.command(operation, model.name),
    versionsHowTo: context.frontEnd.versionsHowTo(model.name),
    provenance: context.frontEnd.provenance,
    ownership: context.frontEnd.ownership,
  };
  return withVersions ? { ...model, ...neutral, compose: model.compose } : neutral;
}
