import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRI_DOCKERD_RELEASES, DEFAULT_VERSIONS, GO_MINORS, KICBASE_RELEASES, KUBERNETES_MINORS } from './version-matrix';
import { compareMinors } from './versions';

// The README's version tables are documentation of this matrix; they must not drift from it.
const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'version-matrix.md'), 'utf8');

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

describe('GO_MINORS', () => {
  it('holds every Go minor the matrix names, oldest to newest', () => {
    const named = [...KUBERNETES_MINORS.map((minor) => minor.go), ...CRI_DOCKERD_RELEASES.map((release) => release.go)].map((go) =>
      go.split('.').slice(0, 2).join('.'),
    );
    for (const minor of named) expect(GO_MINORS).toContain(minor);
    expect([...GO_MINORS].sort((a, b) => compareMinors(a, b))).toEqual(GO_MINORS);
  });
});
