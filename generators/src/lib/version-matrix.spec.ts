import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRI_DOCKERD_RELEASES, DEFAULT_VERSIONS, KICBASE_RELEASES, KUBERNETES_MINORS } from './version-matrix';

// The README's version tables are documentation of this matrix; they must not drift from it.
const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('README version matrix', () => {
  it.each(KUBERNETES_MINORS.map((k) => [k.minor, k]))('lists Kubernetes %s as in the matrix', (_, k) => {
    expect(readme).toContain(`| ${k.minor} | v${k.minor}.${k.latestPatch} | ${k.go} | ${k.pauseTag} | ${k.minCriDockerd} |`);
  });

  it.each(KICBASE_RELEASES.map((r) => [r.version, r]))('lists kicbase %s as in the matrix', (_, r) => {
    expect(readme).toContain(`| ${r.version} | ${r.minikube} | ${r.baseOs.replace(/ \(.*\)$/, '')} | ${r.pairedKubernetes} | ${r.docker} |`);
  });

  it('mentions every cri-dockerd release of the matrix', () => {
    const range = readme.slice(readme.indexOf('| cri-dockerd | Go (go.mod)'), readme.indexOf('The 0.4 line'));
    for (const { version } of CRI_DOCKERD_RELEASES) {
      const [, patch] = /^v0\.\d+\.(\d+)$/.exec(version)!;
      const inRange = /v0\.3\.21 – v0\.3\.25/.test(range) && version.startsWith('v0.3.') && Number(patch) >= 21 && Number(patch) <= 25;
      expect(inRange || range.includes(version)).toBe(true);
    }
  });
});

// The generator's schema is static JSON that the nx CLI reads (defaults, prompts, descriptions): it must say what the matrix says.
describe('kubelet-node schema', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '..', 'generators', 'kubelet-node', 'schema.json'), 'utf8'));
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
