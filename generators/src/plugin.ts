/**
 * Inferred targets: any folder with a Dockerfile.kicbase and a compose file is a kubelet node and gets build, up,
 * down, logs, status and shell targets, without hand-written configuration. Register it in nx.json
 * (`nx add nx-kubelet` does): `"plugins": [{ "plugin": "nx-kubelet", "options": { "buildTargetName": "image" } }]`.
 */
// Types only: importing @nx/devkit's code would cost every plugin worker ~0.4 s of start-up.
import type { CreateNodes, CreateNodesResult, TargetConfiguration } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface KubeletPluginOptions {
  buildTargetName?: string;
  upTargetName?: string;
  downTargetName?: string;
  logsTargetName?: string;
  statusTargetName?: string;
  shellTargetName?: string;
}

type TargetKind = 'build' | 'up' | 'down' | 'logs' | 'status' | 'shell';

const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

const DESCRIPTIONS: Record<TargetKind, [string, string]> = {
  build: ['Build the node image (docker compose build).', 'docker compose build --help'],
  up: ['Start the node and wait until its kubelet is healthy.', 'docker compose up --help'],
  down: ['Stop and remove the node (--volumes also removes /var).', 'docker compose down --help'],
  logs: ["Show the kubelet's journal (--unit, --follow, --since, --tail).", 'journalctl --help'],
  status: ['Show container, systemd units, kubelet health and static pods.', 'systemctl --help'],
  shell: ['Open a shell in the node (--command for one command).', 'docker compose exec --help'],
};

/** Normalizes the plugin options once: every target has a name. */
export function normalizePluginOptions(options: KubeletPluginOptions | undefined): Record<TargetKind, string> {
  return {
    build: options?.buildTargetName ?? 'build',
    up: options?.upTargetName ?? 'up',
    down: options?.downTargetName ?? 'down',
    logs: options?.logsTargetName ?? 'logs',
    status: options?.statusTargetName ?? 'status',
    shell: options?.shellTargetName ?? 'shell',
  };
}

/**
 * The targets of the node in `root` (workspace-relative). Pure apart from the given file check, for tests.
 * `build` is never cached: its result is an image in the Docker engine, not a file Nx could restore.
 */
export function inferNodeProject(root: string, fileExists: (path: string) => boolean, options?: KubeletPluginOptions): CreateNodesResult {
  const composeFile = COMPOSE_FILES.find((file) => fileExists(join(root, file)));
  if (!composeFile || root === '.') return {};
  const names = normalizePluginOptions(options);
  const composeOption = composeFile === 'compose.yaml' ? {} : { composeFile };
  const target = (kind: TargetKind): TargetConfiguration => ({
    executor: `nx-kubelet:${kind}`,
    ...(Object.keys(composeOption).length ? { options: composeOption } : {}),
    metadata: { technologies: ['docker'], description: DESCRIPTIONS[kind][0], help: { command: DESCRIPTIONS[kind][1], example: {} } },
  });
  const targets: Record<string, TargetConfiguration> = {
    [names.build]: {
      ...target('build'),
      cache: false,
      inputs: ['Dockerfile.kicbase', '.dockerignore', composeFile, 'kubelet.yaml', 'units/**/*', 'manifests/**/*', 'bin/**/*'].map((path) => `{projectRoot}/${path}`),
      syncGenerators: ['nx-kubelet:sync'],
    },
    [names.up]: target('up'),
    [names.down]: target('down'),
    [names.logs]: target('logs'),
    [names.status]: target('status'),
    [names.shell]: target('shell'),
  };
  // A folder without project.json or package.json is named after itself; otherwise their name stands.
  const named = fileExists(join(root, 'project.json')) || fileExists(join(root, 'package.json'));
  return {
    projects: {
      [root]: {
        root,
        ...(named ? {} : { name: basename(root) }),
        targets,
        metadata: { technologies: ['docker'], targetGroups: { 'Kubelet node': Object.values(names) } },
      },
    },
  };
}

export const createNodes: CreateNodes<KubeletPluginOptions> = [
  '**/Dockerfile.kicbase',
  async (configFiles, options, context) =>
    configFiles.map((file) => [file, inferNodeProject(dirname(file), (path) => existsSync(join(context.workspaceRoot, path)), options)] as const),
];

/** Nx 21 loads `createNodesV2`, Nx 22+ `createNodes`: the same tuple under both names. */
export const createNodesV2 = createNodes;
