import { compile, TemplateFunction } from 'ejs';

const compiled = new Map<string, TemplateFunction>();
/** Renders an EJS template, compiled once per template text (rendering many nodes compiles each template once). */
export function renderTemplate(template: string, data: Record<string, unknown>, filename: string): string {
  let render = compiled.get(template);
  if (!render) compiled.set(template, (render = compile(template, { filename })));
  return render(data);
}
