/**
 * Node model → the node's files. Pure: the templates arrive as strings (see load-templates.ts), so the same function
 * serves the Nx generator, migrations, the sync generator and a projen component.
 */
import { render } from 'ejs';
import { KICBASE_REPOSITORY } from './version-matrix';
import { declaredVersionsOf, NodeModel } from './node-model';

/** Where a node declares its versions: `metadata["nx-kubelet"]` of its project.json. */
export const DECLARATION_KEY = 'nx-kubelet';

/** Template sources keyed by their path below `templates/node/` (e.g. `units/kubelet.service.ejs`). */
export type NodeTemplates = Readonly<Record<string, string>>;

/** Rendered files keyed by their path relative to the node's directory, in a stable order. */
export type NodeFiles = Record<string, string>;

// Template path → output path, for names that cannot be spelled directly (a dotfile would be dropped by npm pack).
const OUTPUT_NAMES: Record<string, string> = { dockerignore: '.dockerignore' };
// Files that only some nodes get.
const CONDITIONAL_FILES: Record<string, (model: NodeModel) => boolean> = {
  'manifests/hello-world.yaml': (model) => model.examplePod,
  'bin/README.md': (model) => model.binarySource === 'local',
};
// Keeps manifests/ in the build context when there is no example pod; the kubelet ignores dotfiles there.
const EMPTY_MANIFESTS_PLACEHOLDER = 'manifests/.gitkeep';

/** Renders every file of a node. Deterministic: the same model and templates always give the same bytes. */
export function renderNode(model: NodeModel, templates: NodeTemplates): NodeFiles {
  const data = {
    ...model,
    kicbaseRepository: KICBASE_REPOSITORY,
    offsetFromRoot: '../'.repeat(model.directory.split('/').length),
    declaredVersions: declaredVersionsOf(model),
    declarationKey: DECLARATION_KEY,
  };
  const files: NodeFiles = {};
  for (const templatePath of Object.keys(templates).sort()) {
    if (!templatePath.endsWith('.ejs')) continue;
    const stem = templatePath.slice(0, -'.ejs'.length);
    const outputPath = OUTPUT_NAMES[stem] ?? stem;
    if (CONDITIONAL_FILES[outputPath]?.(model) === false) continue;
    files[outputPath] = render(templates[templatePath], data, { filename: templatePath });
  }
  if (!model.examplePod) files[EMPTY_MANIFESTS_PLACEHOLDER] = '';
  return files;
}
