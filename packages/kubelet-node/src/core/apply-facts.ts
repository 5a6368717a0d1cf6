import type { FactContext } from './front-end';
import { Found, LocatorContext, wholeFile } from './locators';
import { ManagedFact, MANAGED_FACTS } from './managed-facts';
import type { NodeModel } from './node-model';
import { COMPOSE, composeFileOf, NodeFiles } from './node-files';

export interface AppliedFacts {
  files: NodeFiles;
  /** One line per fact whose text changed: `Dockerfile.kicbase: ARG KUBE_VERSION v1.34.0 → v1.35.8`. */
  changes: string[];
  /** Values that are the user's and were kept (interpolation, own image name, edited documentation). */
  kept: string[];
  /** Facts that cannot be found: the node cannot be managed until they are back. Nothing was changed when non-empty. */
  problems: string[];
}

const shorten = (value: string) => (value.length > 60 ? `${value.slice(0, 57)}…` : value) || '(empty)';

/**
 * Brings a node's files from model `from` to model `to`, one managed fact at a time, and nothing else:
 * - a value nx-kubelet wrote is set to the new one (a fact `to` does not have is removed);
 * - a fact that `to` has and `from` did not (a field that exists from some minor on) is added;
 * - a value that is the user's (interpolated, an own image name, edited documentation) is kept;
 * - a fact that was expected but is missing stays missing, unless it is required: then nothing is changed in the node
 *   and `problems` say what is missing and what to do.
 * Sync is `applyFacts(files, model, model)`; an upgrade passes the old and the new model; generation renders the
 * templates and applies the facts of the model onto them (`from` undefined: every fact is new).
 */
export function applyFacts(
  files: NodeFiles,
  from: NodeModel | undefined,
  to: NodeModel,
  context: FactContext,
  /** Ids of facts that a newer nx-kubelet manages and the node's files never had: added where missing (factsAddedIn). */
  newFacts: readonly string[] = [],
  /** The table of managed facts (a test passes its own). */
  facts: readonly ManagedFact[] = MANAGED_FACTS,
): AppliedFacts {
  const out: NodeFiles = { ...files };
  const changes: string[] = [];
  const kept: string[] = [];
  const problems: string[] = [];
  const locatorContext: LocatorContext = { service: to.compose.service };
  const composePath = composeFileOf(files);

  for (const fact of facts) {
    const path = fact.file === COMPOSE ? composePath : fact.file;
    const wanted = fact.value(to, context);
    const previous = from ? fact.value(from, context) : undefined;
    const same = (a: string | undefined, b: string | undefined) => a === b || (a !== undefined && b !== undefined && !!fact.equivalent?.(a, b));
    const where = `${path}: ${fact.locator.describe(locatorContext)}`;
    const problem = (why: string) =>
      problems.push(`${path}: ${why} ${fact.what} (${fact.locator.describe(locatorContext)}). ${remedy(fact, wanted, locatorContext)}`);
    const text = out[path];
    const found: Found =
      text === undefined
        ? fact.locator === wholeFile
          ? { state: 'absent' }
          : { state: 'unreadable', reason: 'the file is missing' }
        : fact.locator.read(text, locatorContext);

    if (found.state === 'unreadable') {
      // A problem only where something must be done or kept: a required fact, a value this move changes, a new node,
      // a fact a newer release added that this node must get.
      if (fact.required || from === undefined || !same(wanted, previous) || (wanted !== undefined && newFacts.includes(fact.id)))
        problem(`${found.reason}: cannot find`);
      continue;
    }
    if (found.state === 'absent') {
      if (wanted === undefined) continue;
      if (from === undefined || previous === undefined || newFacts.includes(fact.id)) {
        // New for this node (a field that exists from this minor on, a new node, a fact this release introduced): added.
        const next = fact.locator.canAdd ? fact.locator.write(text ?? '', wanted, locatorContext) : text;
        const reread = next === undefined ? undefined : fact.locator.read(next, locatorContext);
        if (next === undefined || next === text || reread?.state !== 'present' || reread.value !== wanted) problem('cannot add');
        else {
          out[path] = next;
          changes.push(fact.locator === wholeFile ? `${path}: created` : `${where} added ${shorten(wanted)}`);
        }
      } else if (fact.required) {
        problem('it is missing: cannot find');
      }
      continue;
    }
    const current = found.value;
    const usersOwn = () => !same(current, previous) && (current.includes('${') || !!fact.usersOwn?.(current, { from: from ?? to, to, previous, wanted }));
    if (wanted === undefined) {
      // Not there for this Kubernetes (the kubelet would refuse it): removed, unless it is documentation you edited.
      if (fact.locator === wholeFile) {
        if (usersOwn()) kept.push(`${path}: kept as it is (it is not generated for this node any more)`);
        else {
          delete out[path];
          changes.push(`${path}: removed`);
        }
      } else if (fact.absentMeans === 'unneeded' && usersOwn()) {
        kept.push(`${where} kept your ${shorten(current)} (nx-kubelet no longer sets it for this node)`);
      } else {
        const next = fact.locator.write(text!, undefined, locatorContext);
        if (fact.locator.read(next, locatorContext).state !== 'absent') problem('cannot remove');
        else {
          out[path] = next;
          changes.push(`${where} removed (was ${shorten(current)})`);
        }
      }
      continue;
    }
    if (same(current, wanted)) continue;
    if (usersOwn()) {
      kept.push(
        fact.locator === wholeFile
          ? `${path}: kept as it is (you edited it)`
          : `${where} kept your ${shorten(current)} (nx-kubelet's value: ${shorten(wanted)})`,
      );
      continue;
    }
    const next = fact.locator.write(text!, wanted, locatorContext);
    const reread = fact.locator.read(next, locatorContext);
    if (reread.state !== 'present' || reread.value !== wanted) {
      problem(`could not set`);
      continue;
    }
    out[path] = next;
    changes.push(fact.locator === wholeFile ? `${path}: regenerated` : `${where} ${shorten(current)} → ${shorten(wanted)}`);
  }
  return problems.length > 0 ? { files, changes: [], kept, problems } : { files: out, changes, kept, problems };
}

function remedy(fact: ManagedFact, wanted: string | undefined, context: LocatorContext): string {
  if (wanted === undefined)
    return `This Kubernetes does not accept it: restore the file's structure so that nx-kubelet can check it, or remove it yourself and restore the structure afterwards.`;
  return `Restore ${fact.locator.describe(context)} (value: ${shorten(wanted)}) and run this again; nothing in this node was changed.`;
}
