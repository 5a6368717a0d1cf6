/**
 * Node model → the node's files. Pure: the templates arrive as strings (see load-templates.ts) and the front-end
 * (Nx, projen, the CLI) supplies its own commands, so the same function serves every front-end.
 * Templates see no versions: they take version-dependent values from the managed facts (`fact(id)`), and the facts
 * that exist only for some nodes are added by applyFacts, exactly as an upgrade adds them.
 */
import { applyFacts } from './apply-facts';
import { FactContext, FrontEnd, NodeTemplates } from './front-end';
import { MANAGED_FACTS } from './managed-facts';
import { renderTemplate } from './render-template';
import { templateData } from './template-data';
import { wholeFile } from './locators';
import { EXAMPLE_POD, NodeFiles } from './node-files';
import type { NodeModel } from './node-model';

export type { NodeTemplates } from './front-end';
export type { NodeFiles } from './node-files';

// Template path → output path, for names that cannot be spelled directly (a dotfile would be dropped by npm pack).
const OUTPUT_NAMES: Record<string, string> = { dockerignore: '.dockerignore' };
// Keeps manifests/ in the build context when there is no example pod; the kubelet ignores dotfiles there.
const EMPTY_MANIFESTS_PLACEHOLDER = 'manifests/.gitkeep';

/** Renders every file of a node. Deterministic: the same model, templates and front-end always give the same bytes. */
export function renderNode(model: NodeModel, templates: NodeTemplates, frontEnd: FrontEnd): NodeFiles {
  const context: FactContext = { templates, frontEnd };
  const data = templateData(model, context);
  // Generated documents are managed facts of their own: applyFacts creates them.
  const documents = new Set(MANAGED_FACTS.filter((fact) => fact.locator === wholeFile).map((fact) => `${fact.file}.ejs`));
  const files: NodeFiles = {};
  for (const templatePath of Object.keys(templates).sort()) {
    if (!templatePath.endsWith('.ejs') || documents.has(templatePath)) continue;
    const stem = templatePath.slice(0, -'.ejs'.length);
    const outputPath = OUTPUT_NAMES[stem] ?? stem;
    if (outputPath === EXAMPLE_POD && !model.examplePod) continue;
    files[outputPath] = renderTemplate(templates[templatePath], data, templatePath);
  }
  if (!model.examplePod) files[EMPTY_MANIFESTS_PLACEHOLDER] = '';
  const applied = applyFacts(files, undefined, model, context);
  if (applied.problems.length > 0) throw new Error(`nx-kubelet: the node templates do not fit the managed facts:\n${applied.problems.join('\n')}`);
  return Object.fromEntries(Object.entries(applied.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
