/**
 * `KubeletNode`: a standalone kubelet node in a projen project, the same node that `nx g nx-kubelet:kubelet-node`
 * writes, from the same core (kubelet-node): the same options, defaults, validation and templates.
 *
 * Ownership, the projen way: the files whose content is derived from the options (Dockerfile.kicbase, the systemd
 * units, kubelet.yaml, compose.yaml, .dockerignore and the READMEs) are synthesized on every synth, read-only, with
 * projen's marker in their header comment; customize them through the options (kubeletSettings, kubeletFlags,
 * composeOverrides) or the escape hatches below. manifests/ holds samples: written once, then the user's.
 * Changing `kubeVersion` (or any version) and synthesizing again is the upgrade: every managed fact is rendered anew.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Component, FileBase, IResolver, Project } from 'projen';
import { PROJEN_MARKER } from 'projen/lib/common';
import {
  BinarySource,
  directoryHasFilesProblem,
  DOCKERFILE,
  FrontEnd,
  InvalidNodeOptionsError,
  KubeletNodeOptions as CoreNodeOptions,
  loadNodeTemplates,
  NodeFiles,
  NodeModel,
  operationSpec,
  OPERATION_NAMES,
  planUpgrade,
  realDirectoryOutside,
  renderNode,
  resolveNode,
  versionsFromDockerfile,
} from 'kubelet-node';
import { applyCustomizations, Customizations } from './customize';

export interface KubeletNodeOptions extends Customizations {
  /** The node's name: its compose project and service, and the default hostname. Lowercase letters, digits and dashes. */
  readonly name: string;
  /** The node's folder, relative to the project. @default packages/<name> */
  readonly directory?: string;
  /** Kubernetes version of the kubelet: a minor (`1.35`: its newest patch) or a release (`v1.35.2`). @default v1.34.11 */
  readonly kubeVersion?: string;
  /** cri-dockerd release (`v0.3.21`) or line (`0.4`). @default v0.3.21 */
  readonly criDockerdVersion?: string;
  /** minikube kicbase release, the base image. @default v0.0.47 */
  readonly kicbaseVersion?: string;
  /** Go that builds the kubelet. @default the version matrix's for the Kubernetes minor */
  readonly kubeGoVersion?: string;
  /** Go that builds cri-dockerd. @default the version matrix's for the cri-dockerd release */
  readonly criDockerdGoVersion?: string;
  /** Ship the sample static pod manifests/hello-world.yaml. @default true */
  readonly examplePod?: boolean;
  /** Container hostname, which the kubelet uses as its node name. @default the name */
  readonly hostname?: string;
  /** Where kubelet and cri-dockerd come from: `source`, `release` (checksum-pinned downloads) or `local` (bin/). @default source */
  readonly binarySource?: BinarySource;
  /** Base image instead of gcr.io/k8s-minikube/kicbase:<kicbaseVersion> (a mirror, a digest pin). */
  readonly kicbaseImage?: string;
  /** Accept versions outside the version matrix, with a warning. @default false */
  readonly allowUnknownVersions?: boolean;
  /** The container engine the node runs on: `docker` or `podman` (rootful); recorded with the node. @default docker */
  readonly engine?: 'docker' | 'podman';
  /** The docker context of the engine the node runs on; recorded with the node, every task uses it. */
  readonly dockerContext?: string;
  /** The address of the engine the node runs on (ssh://user@host, tcp://host:2376, unix:///path). */
  readonly dockerHost?: string;
  /** CPUs the node and its pods may use, e.g. 2 or 1.5. @default no limit */
  readonly cpus?: number | string;
  /** Memory the node and its pods may use, e.g. 2g or 1536m (at least 512m). @default no limit */
  readonly memory?: string;
  /**
   * Downgrade a node already synthesized in its folder to an older Kubernetes minor, which Kubernetes does not support
   * (keep the /var volume: the older kubelet takes over the newer one's state there; if it does not become healthy,
   * run its down task with --volumes, then up). Without it such a synth is refused.
   * @default false
   */
  readonly force?: boolean;
  /** Add the node's tasks (`<name>:build`, `:up`, `:down`, `:logs`, `:status`, `:shell`). @default true */
  readonly tasks?: boolean;
}

/** What generated files say about running and upgrading a node, in projen's words. */
export function projenFrontEnd(project: Project, provenance: string): FrontEnd {
  return {
    command: (operation, node) => `${project.projenCommand} ${node}:${operation}`,
    versionsHowTo: () =>
      [
        "The versions above are the `KubeletNode` options in your projenrc; change them there (e.g. `kubeVersion: '1.36'`)",
        `and run \`${project.projenCommand}\`: the node's files are synthesized anew, which is the upgrade.`,
      ].join('\n'),
    provenance,
    ownership:
      "Synthesized by projen-kubelet's `KubeletNode` on every synth: change the node through its options in your projenrc (the files are read-only); the files in `manifests/` are samples, yours to edit.",
  };
}

/** Stands for projen's marker until synth, when it is known (it names the projenrc file and projen's command). */
const PROVENANCE = '@@projen-kubelet-provenance@@';

/** Nodes already declared, per root project: two nodes may not share a name or a folder. */
const declared = new WeakMap<Project, Map<string, string>>();

export class KubeletNode extends Component {
  /** The validated node: versions, images, ports. */
  public readonly model: NodeModel;
  /** The node's folder, relative to the project. */
  public readonly directory: string;
  /** The synthesized (read-only) files, by path relative to the node's folder: escape hatches go here. */
  public readonly files: Readonly<Record<string, FileBase>>;
  /** The node's files, rendered once: projen's marker (known only at synth) replaces {@link PROVENANCE} then. */
  private readonly rendered: NodeFiles;

  constructor(project: Project, options: KubeletNodeOptions) {
    super(project, `KubeletNode#${options?.name}`);
    const { kubeletSettings, kubeletFlags, composeOverrides, tasks, force, ...nodeOptions } = options;
    const taken = declared.get(project.root) ?? new Map<string, string>();
    declared.set(project.root, taken);
    this.model = resolveNode(nodeOptions as CoreNodeOptions, {
      hasProject: (name) => taken.has(name),
      // Another node of this projenrc in the folder; what is on disk is checked on synth (preSynthesize), where the
      // files of an earlier synth are told from the user's.
      directoryHasFiles: (directory) => [...taken.values()].includes(directory),
      resolvesOutside: (directory) => realDirectoryOutside(project.outdir, directory),
    });
    this.model.warnings.forEach((warning) => project.logger.warn(`projen-kubelet: ${warning}`));
    refuseDowngrade(project, this.model, force ?? false);
    taken.set(this.model.name, this.model.directory);
    this.directory = this.model.directory;
    // Rendering here refuses bad customizations where the projenrc calls us, not later during synth.
    const rendered = renderNode(this.model, loadNodeTemplates(), projenFrontEnd(project, PROVENANCE));
    this.rendered = applyCustomizations(rendered, this.model, { kubeletSettings, kubeletFlags, composeOverrides });
    const paths = Object.keys(this.rendered);
    const files: Record<string, FileBase> = {};
    for (const path of paths) {
      const projectPath = `${this.directory}/${path}`;
      if (path.startsWith('manifests/')) {
        new NodeSample(project, projectPath, this.rendered[path]);
      } else {
        files[path] = new NodeFile(project, projectPath, this, path);
      }
    }
    this.files = files;
    if (tasks ?? true) this.addTasks(project);
  }

  /**
   * Before projen removes or writes anything: refuses a folder that holds files this node did not write, as nx g does.
   * The folder is the node's when one of the files it synthesizes is there from an earlier synth (listed in
   * .projen/files.json, or carrying projen's marker); then everything in it stays (its samples, the user's manifests
   * and bin/). Otherwise any file in it is the user's, also one at a sample's path.
   */
  preSynthesize(): void {
    const files = filesUnder(join(this.project.outdir, this.directory));
    if (files.length === 0 || this.ownsFolder(files)) return;
    throw new InvalidNodeOptionsError([directoryHasFilesProblem(this.directory, files)]);
  }

  private ownsFolder(files: string[]): boolean {
    const listed = new Set(generatedFiles(this.project.outdir));
    const folder = join(this.project.outdir, this.directory);
    return files.some((path) => Object.hasOwn(this.files, path) && (listed.has(`${this.directory}/${path}`) || hasMarker(join(folder, path))));
  }

  /** The file at `path` (relative to the node's folder) with `provenance` in its header comment. */
  render(path: string, provenance: string): string | undefined {
    return this.rendered[path]?.split(PROVENANCE).join(provenance);
  }

  private addTasks(project: Project): void {
    for (const operation of OPERATION_NAMES) {
      project.addTask(`${this.model.name}:${operation}`, {
        description: `${this.model.name}: ${operationSpec(operation).description}`,
        // The one implementation of the operations: kubelet-node's CLI. Extra arguments reach it (`npx projen n:up --timeout=60`;
        // a "--" among them ends the CLI's options, so options go before it).
        steps: [{ execArgs: ['npx', '--no', 'kubelet-node', operation, this.directory, `--name=${this.model.name}`], receiveArgs: true }],
        // Messages then name projen's tasks ("start it: npx projen my-node:up"), not the CLI.
        env: { KUBELET_NODE_COMMAND: `${project.projenCommand} ${this.model.name}:{operation}` },
      });
    }
  }
}

/**
 * A synth that would move a node already synthesized in the project's folder to an older Kubernetes minor is refused
 * unless `force`, with the same rule and message as `nx g nx-kubelet:upgrade` (the core's planUpgrade).
 */
function refuseDowngrade(project: Project, model: NodeModel, force: boolean): void {
  const path = join(project.outdir, model.directory, DOCKERFILE);
  const current = existsSync(path) ? versionsFromDockerfile(readFileSync(path, 'utf8')) : undefined;
  if (!current) return;
  const plan = planUpgrade(current, { kubeVersion: model.kubernetes.version, force }, 'Set `force: true` in the KubeletNode options');
  plan.notes.filter((note) => note.startsWith('A downgrade')).forEach((note) => project.logger.warn(`projen-kubelet: ${model.name}: ${note}`));
}

/** A synthesized node file: the node's rendering of `path`, with projen's marker as its provenance. */
class NodeFile extends FileBase {
  constructor(
    project: Project,
    projectPath: string,
    private readonly kubeletNode: KubeletNode,
    private readonly nodePath: string,
  ) {
    super(project, projectPath, { readonly: true, marker: true, executable: false });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    return this.kubeletNode.render(this.nodePath, this.marker ?? 'Created by projen-kubelet (KubeletNode); yours to edit.');
  }
}

/**
 * A sample (projen's SampleFile, which cannot write an empty file such as manifests/.gitkeep): written when missing,
 * never overwritten, never listed in files.json, so never removed.
 */
class NodeSample extends Component {
  constructor(
    project: Project,
    private readonly filePath: string,
    private readonly contents: string,
  ) {
    super(project, `NodeSample#${filePath}`);
  }

  synthesize(): void {
    const path = join(this.project.outdir, this.filePath);
    if (existsSync(path)) return;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, this.contents);
  }
}

/** The files under `dir` (relative to it; symbolic links count as files), none when it does not exist. */
function filesUnder(dir: string, sub = ''): string[] {
  if (!existsSync(join(dir, sub))) return [];
  return readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((entry) => {
    const path = sub ? `${sub}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(dir, path) : [path];
  });
}

/** True when the file at `path` carries projen's marker (unreadable: false). */
function hasMarker(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').includes(PROJEN_MARKER);
  } catch {
    return false;
  }
}

/** The files an earlier synth wrote, by project path: projen's record of them, .projen/files.json. */
function generatedFiles(outdir: string): string[] {
  try {
    const files = JSON.parse(readFileSync(join(outdir, '.projen', 'files.json'), 'utf8')).files;
    return Array.isArray(files) ? files.filter((file): file is string => typeof file === 'string') : [];
  } catch {
    return [];
  }
}
