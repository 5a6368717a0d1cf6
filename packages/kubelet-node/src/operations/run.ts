/**
 * {@link runOperation}: the one entry of every front-end into the node operations. A module of its own, so that the
 * CLI loads only it (and the operation it runs) at start-up, not everything the package exports.
 */
import { checkOptionValues, refuseUnknownOptions } from '../options-check';
import { log } from './log';
import { checkMatrixCopies, loadNode, matrixNodeRefs, NodeContext, NodeRef } from './node-context';
import { operationOptions, operationSchema } from './schemas';
import { NODE_OPERATIONS, NodeOperationSpec, OperationName } from './table';

/**
 * Runs an operation for a node: checks the options against the operation's schema (a misspelled option is refused
 * with the closest one named, a value of the wrong type or outside its enum too), reads and checks the node and the
 * operation's options on its files (the implementation's `check`), and only then checks docker and runs. Resolves with an exit code (0 = success); an
 * error becomes one clear message on stderr and exit code 1 (no stack trace for expected failures such as a stopped
 * daemon). `what` names the operation in messages the way the user called it.
 */
export async function runOperation(operation: OperationName, ref: NodeRef, options: object, what: string = operation): Promise<number> {
  try {
    refuseUnknownOptions(options, operationOptions(operation), what);
    checkOptionValues(options, operationSchema(operation));
    // report on a matrix's folder reports every node of the matrix (one column each).
    const members = operation === 'report' ? matrixNodeRefs(ref) : undefined;
    if (members) return (await (await import('./report')).reportNodes(members, options, what, ref.name)) ? 0 : 1;
    // Operations that put the node's manifests and settings into it refuse a matrix node whose copies are behind.
    const spec: NodeOperationSpec = NODE_OPERATIONS[operation];
    if (spec.buildsImage || spec.needsWorkloadImages) checkMatrixCopies(ref);
    const run = await NODE_OPERATIONS[operation].implementation();
    // The node's files and the operation's options are checked before docker is reached. An operation that builds
    // the image may find it up to date and run no Compose command, others run none: Compose is looked for at the first.
    const composeWhenNeeded = !('runsCompose' in NODE_OPERATIONS[operation]);
    const node = await loadNode(ref, options, { composeWhenNeeded, check: run.check && ((described) => run.check!(described, options)) });
    const outcome = await run(node as NodeContext, options);
    return typeof outcome === 'number' ? outcome : outcome ? 0 : 1;
  } catch (error) {
    log.error(`kubelet-node: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
