import { Tree } from '@nx/devkit';
import { DeclaredVersions, VersionRequest, InvalidNodeOptionsError, UnreadableNodeError } from 'kubelet-node';
import { NodeNotUpgradableError, upgradeNodes } from '../../lib/upgrade-nodes';
import { declaredVersions, kubeletNodes } from '../../lib/kubelet-nodes';
import { Defaults } from './released-defaults';

/**
 * The body of a version migration: nodes still on the `from` defaults move to the `to` defaults through the upgrade
 * logic (Go and cri-dockerd follow as `nx g nx-kubelet:upgrade` would move them). A version the user chose (pinned)
 * stays; the returned next steps say how to move it. Nodes without declared versions are left to the 0.2.0 migration.
 */
export function moveNodesOnDefaults(tree: Tree, from: Defaults, to: Defaults): string[] {
  const nextSteps: string[] = [];
  const fields: [keyof Defaults, 'kubeVersion' | 'criDockerdVersion' | 'kicbaseVersion', string][] = [
    ['kubernetes', 'kubeVersion', 'Kubernetes'],
    ['criDockerd', 'criDockerdVersion', 'cri-dockerd'],
    ['kicbase', 'kicbaseVersion', 'kicbase'],
  ];
  for (const node of kubeletNodes(tree)) {
    let declared: DeclaredVersions | undefined;
    try {
      declared = declaredVersions(node);
    } catch (error) {
      if (!(error instanceof UnreadableNodeError)) throw error;
      nextSteps.push(
        `${node.name} stays as it is (${error.problems.join('; ')}); once that is fixed, run nx migrate again or nx g nx-kubelet:upgrade ${node.name}`,
      );
      continue;
    }
    if (!declared) continue;
    const request: VersionRequest = {};
    for (const [key, option, label] of fields) {
      if (from[key] === to[key]) continue;
      if (declared[option] === from[key]) request[option] = to[key];
      else if (declared[option] !== to[key]) {
        nextSteps.push(
          `${node.name} stays on ${label} ${declared[option]} (chosen for it, not the old default ${from[key]}); to move it: nx g nx-kubelet:upgrade ${node.name} --${option}=${to[key]}`,
        );
      }
    }
    if (Object.keys(request).length === 0) continue;
    try {
      for (const result of upgradeNodes(tree, [node], request)) {
        if (result.changes.length)
          nextSteps.push(
            `${result.node}: moved to the new default versions; then: ${result.nextSteps.join(', ')}`,
            ...result.notes.map((note) => `${result.node}: ${note}`),
          );
      }
    } catch (error) {
      // One node that cannot be moved as it is stays as it is; the others move.
      if (!(error instanceof NodeNotUpgradableError || error instanceof InvalidNodeOptionsError)) throw error;
      const options = Object.entries(request)
        .map(([option, value]) => `--${option}=${value}`)
        .join(' ');
      nextSteps.push(`${node.name} stays as it is (${error.problems.join('; ')}); once that is fixed: nx g nx-kubelet:upgrade ${node.name} ${options}`);
    }
  }
  return nextSteps;
}
