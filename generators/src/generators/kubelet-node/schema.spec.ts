import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_VERSIONS, KICBASE_RELEASES, KUBERNETES_MINORS } from 'kubelet-node';

// The generator's schema is static JSON that the nx CLI reads (defaults, prompts, descriptions): it must say what the matrix says.
describe('kubelet-node schema', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, 'schema.json'), 'utf8'));
  const property = (name: string) => schema.properties[name];

  it('defaults to the default versions', () => {
    expect(property('kubeVersion').default).toBe(DEFAULT_VERSIONS.kubernetes);
    expect(property('criDockerdVersion').default).toBe(DEFAULT_VERSIONS.criDockerd);
    expect(property('kicbaseVersion').default).toBe(DEFAULT_VERSIONS.kicbase);
    expect(property('kubeVersion')['x-prompt'].items[0].value).toBe(DEFAULT_VERSIONS.kubernetes);
  });

  it('names the known Kubernetes minors and kicbase releases, and offers only known minors', () => {
    const minors = KUBERNETES_MINORS.map((k) => k.minor);
    expect(property('kubeVersion').description).toContain(`Known minors: ${minors[0]} to ${minors[minors.length - 1]}.`);
    expect(property('kicbaseVersion').description).toContain(`${KICBASE_RELEASES[0].version} to ${KICBASE_RELEASES[KICBASE_RELEASES.length - 1].version}`);
    for (const item of property('kubeVersion')['x-prompt'].items.slice(1)) expect(minors).toContain(item.value);
    expect(property('kubeVersion')['x-prompt'].items[1].value).toBe(minors[minors.length - 1]);
  });
});
