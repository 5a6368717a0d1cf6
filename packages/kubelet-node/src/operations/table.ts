/**
 * THE table of node operations: every front-end derives its list from it. The Nx plugin's executors.json, executor
 * entry points and inferred targets (and their `<operation>TargetName` options), the projen tasks and the CLI's help
 * are made from this table, and a test fails when any of them lacks an operation of it. Adding an operation is one
 * entry here, its implementation (loaded lazily from `implementation()`), its schema (`schemas/<name>.json`) and its
 * docs (the node README's line, docs/).
 *
 * Plain data and lazy loaders only: the Nx plugin worker and the CLI import this file at start-up.
 */
import type { NodeContext, NodeDescription } from './node-context';

/**
 * An operation's implementation: true/false for success, or an exit code of its own (shell --command's). Its optional
 * `check` refuses bad options and node files (manifests, output folders…) before docker is reached: it runs on what
 * the node's files say, before the preflight checks, and changes nothing.
 */
export type OperationImplementation = ((node: NodeContext, options: object) => Promise<boolean | number>) & {
  check?: (node: NodeDescription, options: object) => void;
};

export interface NodeOperationSpec {
  /** One line: what it does (the Nx target's and executor's description, the projen task's, the CLI's help). */
  readonly description: string;
  /** The command whose help tells more about what the operation runs (Nx shows it as the target's help). */
  readonly seeAlso: string;
  /**
   * It builds the node's image from the node's files when the image is missing or its inputs changed (build and up:
   * up does it itself, so a front-end that orders tasks runs no separate build before it): a front-end brings those
   * files in line with the node's declared versions first (Nx: the sync generator) and never caches it (an image is
   * not a file).
   */
  readonly buildsImage?: true;
  /**
   * It needs the images the node's manifests run: a front-end that knows which projects build them (Nx's graph
   * edges) builds them first.
   */
  readonly needsWorkloadImages?: true;
  /**
   * It runs Compose commands whenever it runs (not only to build): Compose is looked for beside the operation's first
   * query. The others look for it at their first Compose command, if any (status, load, apply and export-logs never
   * run one: they find the node's container with `docker ps`).
   */
  readonly runsCompose?: true;
  /** Loads the implementation: the CLI and the executors load only the one they run. */
  readonly implementation: () => Promise<OperationImplementation>;
}

/** Typed implementations meet the table's uniform signature here (each checks its own options against its schema). */
const implementation =
  <O>(load: () => Promise<((node: NodeContext, options: O) => Promise<boolean | number>) & { check?: (node: NodeDescription, options: O) => void }>) =>
  (): Promise<OperationImplementation> =>
    load() as Promise<OperationImplementation>;

/**
 * The operations, in the order front-ends list them. A result is state in the engine or the node, never a file a
 * task cache could restore: no operation is cacheable.
 */
export const NODE_OPERATIONS = {
  build: {
    description: 'Build the node image (docker compose build).',
    seeAlso: 'docker compose build --help',
    buildsImage: true,
    implementation: implementation(async () => (await import('./build')).build),
  },
  up: {
    description: 'Start the node and wait until its kubelet is healthy and its static pods run (builds its image first when missing or out of date).',
    seeAlso: 'docker compose up --help',
    buildsImage: true,
    needsWorkloadImages: true,
    runsCompose: true,
    implementation: implementation(async () => (await import('./up')).up),
  },
  down: {
    description: 'Stop and remove the node (--volumes also removes /var).',
    seeAlso: 'docker compose down --help',
    runsCompose: true,
    implementation: implementation(async () => (await import('./down')).down),
  },
  logs: {
    description: "Show the kubelet's journal (--unit, --follow, --since, --tail) or a static pod's log (--pod, --container).",
    seeAlso: 'journalctl --help',
    runsCompose: true,
    implementation: implementation(async () => (await import('./logs')).logs),
  },
  status: {
    description: 'Show container, systemd units, kubelet health and each static pod (--brief: one line).',
    seeAlso: 'systemctl --help',
    implementation: implementation(async () => (await import('./status')).status),
  },
  shell: {
    description: 'Open a shell in the node (--command for one command; its exit code is passed on).',
    seeAlso: 'docker compose exec --help',
    runsCompose: true,
    implementation: implementation(async () => (await import('./shell')).shell),
  },
  load: {
    description: "Load images from the host's engine into the running node (--images; default: the manifests' and the pause image).",
    seeAlso: 'docker save --help',
    needsWorkloadImages: true,
    implementation: implementation(async () => (await import('./load')).load),
  },
  apply: {
    description: 'Apply manifests/ to the running node without a rebuild, then wait for the pods (--watch until Ctrl-C).',
    seeAlso: 'docker exec --help',
    needsWorkloadImages: true,
    implementation: implementation(async () => (await import('./apply')).apply),
  },
  'export-logs': {
    description: "Collect the node's logs and diagnostics into a folder (--outputPath).",
    seeAlso: 'journalctl --help',
    implementation: implementation(async () => (await import('./export-logs')).exportLogs),
  },
  report: {
    description:
      "Report each static pod's outcome, its time to ready and the kubelet's warnings and errors (report.json, junit.xml, report.html in --outputPath).",
    seeAlso: 'journalctl --help',
    implementation: implementation(async () => (await import('./report')).report),
  },
} as const satisfies Record<string, NodeOperationSpec>;

export type OperationName = keyof typeof NODE_OPERATIONS;
export const OPERATION_NAMES = Object.keys(NODE_OPERATIONS) as OperationName[];

export function isOperation(name: string): name is OperationName {
  return Object.prototype.hasOwnProperty.call(NODE_OPERATIONS, name);
}

/** An operation's entry in the table. */
export function operationSpec(operation: OperationName): NodeOperationSpec {
  return NODE_OPERATIONS[operation];
}

/** `export-logs` -> `exportLogs`: how option names and identifiers spell an operation. */
export type CamelCased<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCased<Tail>>}` : S;
export function camelCased<S extends string>(name: S): CamelCased<S> {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) as CamelCased<S>;
}
