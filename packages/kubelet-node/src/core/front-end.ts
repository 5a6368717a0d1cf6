/** Node operations whose commands generated files mention; the front-end (Nx, projen, the CLI) says how to run them. */
// The names of the table of operations (types only: the core never loads the operations).
export type { OperationName as NodeOperation } from '../operations/table';
import type { OperationName as NodeOperation } from '../operations/table';

/** What a front-end contributes to generated files: its own commands, and where a node's versions are declared. */
export interface FrontEnd {
  /** The command that runs an operation on the node, e.g. `nx run my-node:up`. */
  command(operation: NodeOperation, node: string): string;
  /** A sentence or two: where the node's versions are declared and how to change them. */
  versionsHowTo(node: string): string;
  /**
   * Who made the generated files and who owns them, said in their header comments: e.g. `Created by nx-kubelet
   * (kubelet-node generator); yours to edit.`, or projen's "do not edit" marker.
   */
  provenance: string;
  /** The README's sentence on who made the node's files and who may edit them. */
  ownership: string;
}

/** Template sources keyed by their path below `templates/node/` (e.g. `units/kubelet.service.ejs`). */
export type NodeTemplates = Readonly<Record<string, string>>;

/** What fact values may need besides the model: the templates of generated documents, and the front-end. */
export interface FactContext {
  templates: NodeTemplates;
  frontEnd: FrontEnd;
}
