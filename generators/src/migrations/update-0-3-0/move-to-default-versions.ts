import { formatFiles, Tree } from '@nx/devkit';
import { render } from 'ejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  managedFact,
  normalizeDocument,
  renderNode,
  KICBASE_REPOSITORY,
  CRI_DOCKER_UNIT,
  DOCKERFILE,
  KUBELET_UNIT,
  KUBELET_YAML,
  NodeFiles,
  README,
  NodeModel,
  modelOfNode,
} from 'kubelet-node';
import { declaredVersions, kubeletNodes, nxFactContext, readManagedFiles, writeChangedFiles } from '../../lib/kubelet-nodes';
import { moveNodesOnDefaults } from '../lib/move-default-versions';
import { defaultsOf } from '../lib/released-defaults';
import { addReleaseFacts } from '../lib/apply-release-facts';

/**
 * 0.3.0: the default Kubernetes is the newest 1.34 patch (v1.34.11) instead of v1.34.0. Nodes still on the 0.2.0
 * defaults move there through the upgrade logic; versions chosen for a node stay, with the command that moves them.
 * Before that, the lines that 0.2.0 generated with a version in them (which 0.3.0 no longer writes, since only
 * the managed facts carry versions) lose the version, and a README.md nobody edited is regenerated. A line or README
 * that differs from what 0.2.0 wrote is the user's and stays as it is.
 */
export default async function moveToDefaultVersions(tree: Tree): Promise<string[]> {
  const refreshed: string[] = [];
  const context = nxFactContext();
  const legacyReadme = readFileSync(join(__dirname, 'readme-0.2.0.md.ejs'), 'utf8');
  const legacyDockerfile = readFileSync(join(__dirname, 'dockerfile-0.2.0.ejs'), 'utf8');
  const notes: string[] = [];
  for (const node of kubeletNodes(tree)) {
    const root = node.project.root;
    let files: NodeFiles = {};
    let model: NodeModel;
    try {
      const declared = declaredVersions(node);
      if (!declared) continue; // nodes from 0.1.0: the 0.2.0 migration declares them first
      files = readManagedFiles(tree, root);
      model = modelOfNode({ name: node.name, directory: root, files }, declared);
    } catch {
      continue; // moveNodesOnDefaults names the nodes it cannot read, with the reason
    }
    const next = refreshLegacyLines(files, model);
    const dockerfile = refreshDockerfileStages(
      next[DOCKERFILE],
      render(legacyDockerfile, { ...model, kicbaseRepository: KICBASE_REPOSITORY }),
      renderNode(model, context.templates, context.frontEnd)[DOCKERFILE],
    );
    if (dockerfile !== undefined) next[DOCKERFILE] = dockerfile;
    else if (next[DOCKERFILE] !== undefined && !next[DOCKERFILE].includes('ARG KUBELET_SHA256_AMD64=')) {
      notes.push(
        `${node.name}: ${root}/${DOCKERFILE} differs from what nx-kubelet 0.2.0 generated, so its build stages were left as they are. ` +
          `0.3.0 pins the kubelet's SHA-256 (ARG KUBELET_SHA256_AMD64/_ARM64 in the release stage) and takes GOLANG_IMAGE, KUBE_GIT_URL and CRI_DOCKERD_GIT_URL as build args: ` +
          `copy those stages from a new node (nx g nx-kubelet:kubelet-node scratch --dry-run shows one), then nx sync fills in the values.`,
      );
    }
    if (next[README] !== undefined && normalizeDocument(next[README]) === normalizeDocument(render(legacyReadme, { ...model }))) {
      next[README] = managedFact(`doc:${README}`).value(model, context)!;
    }
    // The facts 0.3.0 introduced and 0.2.0 never wrote (since: '0.3.0'): 1.29 and 1.30 nodes take the cgroup driver
    // from cri-dockerd; the kubelet checksum ARGs came with the build stages above.
    const gate = addReleaseFacts(next, model, context, '0.3.0');
    if (gate.problems.length === 0) Object.assign(next, gate.files);
    else notes.push(...gate.problems.map((problem) => `${node.name}: ${problem}`));
    if (Object.keys(next).some((path) => next[path] !== files[path])) {
      writeChangedFiles(tree, root, files, next);
      refreshed.push(node.name);
    }
  }
  const from = defaultsOf('0.2.0');
  const to = defaultsOf('0.3.0');
  const steps = moveNodesOnDefaults(tree, from, to);
  await formatFiles(tree);
  return [
    ...(refreshed.length
      ? [
          `nx-kubelet: refreshed what 0.2.0 generated and nobody edited in ${refreshed.join(', ')}: no versions in comments, the build stages of 0.3.0 (pinned kubelet checksums, mirror build args).`,
        ]
      : []),
    ...notes,
    ...steps,
  ];
}

/** Lines nx-kubelet 0.2.0 generated with versions in them, each with what 0.3.0 writes instead. */
function legacyLines(model: NodeModel): { file: string; old: string; now: string }[] {
  const { name, kubernetes, criDockerd, kicbase } = model;
  return [
    {
      file: DOCKERFILE,
      old: `# kubelet node "${name}": kubelet ${kubernetes.version} and cri-dockerd ${criDockerd.version} on kicbase ${kicbase.version}.`,
      now: `# kubelet node "${name}": a kubelet and cri-dockerd on minikube's kicbase, run by systemd.`,
    },
    {
      file: KUBELET_YAML,
      old: `# KubeletConfiguration for a standalone kubelet ${kubernetes.version} (no API server: it runs the static pods`,
      now: '# KubeletConfiguration for a standalone kubelet (no API server: it runs the static pods',
    },
    {
      file: KUBELET_UNIT,
      old: `Description=kubelet ${kubernetes.version} (standalone: static pods from /etc/kubernetes/manifests)`,
      now: 'Description=kubelet (standalone: static pods from /etc/kubernetes/manifests)',
    },
    {
      // One CRI socket path everywhere: /var is the node's volume, and its /var/run link comes from the image that first filled it.
      file: KUBELET_YAML,
      old: 'containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock',
      now: 'containerRuntimeEndpoint: unix:///run/cri-dockerd.sock',
    },
    {
      file: CRI_DOCKER_UNIT,
      old: `# --pod-infra-container-image: the pause image of Kubernetes ${kubernetes.minor}; cri-dockerd would otherwise pull its own default.`,
      now: "# --pod-infra-container-image: the pause image of the node's Kubernetes minor; cri-dockerd would otherwise pull its own default.",
    },
  ];
}

/** Replaces each legacy line where it stands exactly as 0.2.0 wrote it (a whole line, never part of one). */
export function refreshLegacyLines(files: NodeFiles, model: NodeModel): NodeFiles {
  const out = { ...files };
  for (const { file, old, now } of legacyLines(model)) {
    if (out[file] === undefined) continue;
    out[file] = out[file]
      .split('\n')
      .map((line) => (line === old ? now : line))
      .join('\n');
  }
  return out;
}

/**
 * The Dockerfile's parts (its head, then each `# --- ` stage) that 0.2.0 generated and nobody edited, replaced by
 * what 0.3.0 generates for the same node. All or nothing: the stages refer to ARGs of the head. Undefined when any
 * part was edited.
 */
export function refreshDockerfileStages(dockerfile: string | undefined, legacy: string, current: string): string | undefined {
  if (dockerfile === undefined) return undefined;
  const legacyParts = sections(legacy);
  const currentParts = sections(current);
  if (legacyParts.length !== currentParts.length || legacyParts.some((part, i) => part.key !== currentParts[i].key)) return undefined;
  if (!legacyParts.every((part) => dockerfile.includes(part.text))) return undefined;
  return legacyParts.reduce((text, part, i) => text.replace(part.text, currentParts[i].text), dockerfile);
}

/** A Dockerfile split before each `# --- ` line; each part keyed by its first words. */
function sections(dockerfile: string): { key: string; text: string }[] {
  return dockerfile
    .split(/(?=^# --- )/m)
    .map((text, i) => ({ key: i === 0 ? 'head' : text.split('\n')[0].split(/[:,]/)[0], text: i === 0 ? text.replace(/^# kubelet node .*\n/, '') : text }));
}
