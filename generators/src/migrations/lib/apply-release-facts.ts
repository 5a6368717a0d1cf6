/**
 * The one migration for managed facts a release adds: each fact records the nx-kubelet release that introduced it
 * (`since` in the core's MANAGED_FACTS), and a release that adds facts ships one migrations.json entry whose
 * implementation is this file with the release as its export: `./dist/migrations/lib/apply-release-facts.js#0.5.0`.
 * No code per release: the exports below follow from the table.
 *
 * For every node of the workspace, the facts that release added are set through applyFacts, as sync would set them:
 * a value of the user's stays (and is named), a node whose files or declaration cannot be read is left as it is and
 * named with the reason, and the other nodes still get the facts.
 */
import { formatFiles, Tree } from '@nx/devkit';
import { AppliedFacts, applyFacts, FactContext, factsAddedIn, ManagedFact, MANAGED_FACTS, modelOfNode, NodeFiles, NodeModel } from 'kubelet-node';
import { declaredVersions, kubeletNodes, nxFactContext, readManagedFiles, writeChangedFiles } from '../../lib/kubelet-nodes';

/** One node's files with the facts `release` added (a node's other managed facts are synced on the way). */
export function addReleaseFacts(
  files: NodeFiles,
  model: NodeModel,
  context: FactContext,
  release: string,
  facts: readonly ManagedFact[] = MANAGED_FACTS,
): AppliedFacts {
  return applyFacts(files, model, model, context, factsAddedIn(release, facts), facts);
}

/** Adds the facts `release` introduced to every node of the workspace; returns what it did and could not do. */
export async function applyReleaseFacts(tree: Tree, release: string, facts: readonly ManagedFact[] = MANAGED_FACTS): Promise<string[]> {
  const added = factsAddedIn(release, facts);
  if (added.length === 0) return [];
  const context = nxFactContext();
  const updated: string[] = [];
  const notes: string[] = [];
  for (const node of kubeletNodes(tree)) {
    const root = node.project.root;
    let files: NodeFiles = {};
    let applied: AppliedFacts;
    try {
      const declared = declaredVersions(node);
      if (!declared) continue; // nodes from 0.1.0: the 0.2.0 migration declares them first
      files = readManagedFiles(tree, root);
      applied = addReleaseFacts(files, modelOfNode({ name: node.name, directory: root, files }, declared), context, release, facts);
    } catch (error) {
      const problems = (error as { problems?: string[] }).problems ?? [(error as Error).message];
      notes.push(`nx-kubelet: left ${node.name} as it is, because: ${problems.join('; ')}`);
      continue;
    }
    if (applied.problems.length > 0) {
      notes.push(`nx-kubelet: left ${node.name} as it is, because: ${applied.problems.join('; ')}`);
      continue;
    }
    notes.push(...applied.kept.map((kept) => `${node.name}: ${kept}`));
    if (applied.changes.length > 0) {
      writeChangedFiles(tree, root, files, applied.files);
      updated.push(`${node.name} (${applied.changes.join('; ')})`);
    }
  }
  await formatFiles(tree);
  return [...(updated.length ? [`nx-kubelet ${release}: set what this release manages in ${updated.join(', ')}.`] : []), ...notes];
}

// One export per release that added facts: migrations.json names it after `#`.
for (const release of new Set(MANAGED_FACTS.flatMap((fact) => (fact.since ? [fact.since] : [])))) {
  (exports as Record<string, (tree: Tree) => Promise<string[]>>)[release] = (tree) => applyReleaseFacts(tree, release);
}
