// What a node leaves on a Docker engine, or in Podman with docker = ['podman'] (the containers, volumes and networks of its compose projects, and its
// images) and their removal: the one place the integration tests (generators/tests/support/engine.ts) and the
// benchmarks (tools/bench/lib.js) find them, by the labels Compose puts on everything it creates, whatever folder or
// workspace the node was in (those may be gone by the time of the cleanup).
const { spawnSync } = require('node:child_process');

/** True for a node's compose project: its name, or the name scoped to a folder (`<name>-<8 hex>`, kubelet-node's scopedProjectName). */
function isNodeProject(node, project) {
  return project === node || new RegExp(`^${node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{8}$`).test(project);
}

/** Runs docker (`docker` is the command and its connection flags, e.g. ['docker', '-H', host]); throws when it fails. */
function dockerLines(docker, args) {
  const result = spawnSync(docker[0], [...docker.slice(1), ...args], { encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${[...docker, ...args].join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

/**
 * The compose project label in a listing's --format. Docker: `.Label "…"` everywhere. Podman: `ps` has `.Label`, its
 * volume listing a map `.Labels`, its network listing only `.Labels` as one `k=v,k=v` string (read by {@link projectOf}).
 */
function projectLabel(docker, listing = 'ps') {
  if (!/podman$/.test(docker[0]) || listing === 'ps') return '{{.Label "com.docker.compose.project"}}';
  return listing === 'volume' ? '{{index .Labels "com.docker.compose.project"}}' : '{{.Labels}}';
}

/** The project from what {@link projectLabel} printed: the value itself, or the value in a `k=v,k=v` list. */
function projectOf(printed) {
  if (printed === undefined || !printed.includes('=')) return printed;
  const entry = printed.split(',').find((pair) => pair.startsWith('com.docker.compose.project='));
  return entry && entry.slice('com.docker.compose.project='.length);
}

/** `<id> <compose project>` lines of a docker listing, filtered to a node's compose projects: the ids. */
function ofNode(node, docker, args, format) {
  return dockerLines(docker, [...args, '--filter', 'label=com.docker.compose.project', '--format', `${format} ${projectLabel(docker, args[0])}`])
    .map((line) => {
      const [id, ...rest] = line.split(' ');
      return [id, projectOf(rest.join(' ') || undefined)];
    })
    .filter(([, project]) => project !== undefined && isNodeProject(node, project))
    .map(([id]) => id);
}

/** The IDs of the images Compose built for a node's projects (`image ls --format` has no labels: read them by inspect). */
function imagesOfNode(node, docker) {
  const labelled = [...new Set(dockerLines(docker, ['image', 'ls', '--quiet', '--no-trunc', '--filter', 'label=com.docker.compose.project']))];
  if (labelled.length === 0) return [];
  return dockerLines(docker, ['image', 'inspect', '--format', '{{.Id}} {{index .Config.Labels "com.docker.compose.project"}}', ...labelled])
    .map((line) => line.split(' '))
    .filter(([, project]) => project !== undefined && isNodeProject(node, project))
    .map(([id]) => id);
}

/** Containers, volumes and networks of a node's compose projects on one engine (all empty once it is down --volumes). */
function leftovers(node, docker = ['docker']) {
  const legacyVolumes = dockerLines(docker, ['volume', 'ls', '--quiet', '--filter', `name=^${node}-var$`]);
  return {
    containers: ofNode(node, docker, ['ps', '--all'], '{{.ID}}'),
    volumes: [...new Set([...ofNode(node, docker, ['volume', 'ls'], '{{.Name}}'), ...legacyVolumes])],
    networks: ofNode(node, docker, ['network', 'ls'], '{{.ID}}'),
  };
}

/**
 * Removes a node's containers (killed, with their anonymous volumes), volumes and networks from one engine, and, with
 * `images`, its images (the tagged `nx-kubelet-<node>` ones and the untagged ones a rebuild left, which Compose labels
 * with the project). Returns what is left of the containers, volumes and networks: nothing, unless removal failed.
 */
function removeNode(node, { docker = ['docker'], images = true } = {}) {
  const found = leftovers(node, docker);
  const remove = (args, ids) => ids.length && spawnSync(docker[0], [...docker.slice(1), ...args, ...ids], { stdio: 'ignore' });
  remove(['rm', '--force', '--volumes'], found.containers);
  remove(['volume', 'rm', '--force'], found.volumes);
  remove(['network', 'rm'], found.networks);
  if (images) {
    const tagged = dockerLines(docker, ['image', 'ls', '--quiet', `nx-kubelet-${node}`]);
    remove(['image', 'rm', '--force'], [...new Set([...tagged, ...imagesOfNode(node, docker)])]);
  }
  return leftovers(node, docker);
}

/** True when nothing of `left` (what {@link leftovers} returns) remains. */
const nothingLeft = (left) => left.containers.length + left.volumes.length + left.networks.length === 0;

module.exports = { isNodeProject, leftovers, removeNode, nothingLeft, projectLabel };
