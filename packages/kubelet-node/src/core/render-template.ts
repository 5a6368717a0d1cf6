import type { TemplateFunction } from 'ejs';

const compiled = new Map<string, TemplateFunction>();
/**
 * Renders an EJS template, compiled once per template text (rendering many nodes compiles each template once). ejs is
 * loaded at the first render: the operations that only read a node (status) never load it.
 */
export function renderTemplate(template: string, data: Record<string, unknown>, filename: string): string {
  let render = compiled.get(template);
  if (!render) compiled.set(template, (render = (require('ejs') as typeof import('ejs')).compile(template, { filename })));
  return render(data);
}
