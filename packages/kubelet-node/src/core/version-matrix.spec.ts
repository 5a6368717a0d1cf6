import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CRI_DOCKERD_RELEASES,
  criDockerdFloorFor,
  DEFAULT_VERSIONS,
  DOCKER_LINES,
  GO_MINORS,
  KICBASE_RELEASES,
  kicbaseCriDockerdProblem,
  KUBERNETES_MINORS,
} from './version-matrix';
import { compareMinors } from './versions';

// The README's version tables are documentation of this matrix; they must not drift from it.
const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'version-matrix.md'), 'utf8');

describe('README version matrix', () => {
  it.each(KUBERNETES_MINORS.map((k) => [k.minor, k]))('lists Kubernetes %s as in the matrix', (_, k) => {
    expect(readme).toContain(`| ${k.minor} | v${k.minor}.${k.latestPatch} | ${k.go} | ${k.pauseTag} | ${k.minCriDockerd} |`);
  });

  it.each(KICBASE_RELEASES.map((r) => [r.version, r]))('lists kicbase %s as in the matrix', (_, r) => {
    expect(readme).toContain(
      `| ${r.version} | ${r.minikube} | ${r.baseOs.replace(/ \(.*\)$/, '')} | ${r.pairedKubernetes} | ${r.docker} | ${r.containerd ?? '?'} | ${r.dockerApi.api} (min ${r.dockerApi.minApi}) | ${criDockerdFloorFor(r.version).join(', ')} |`,
    );
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

describe('kicbase -> Docker -> cri-dockerd', () => {
  it("gives each kicbase release its Docker line's API, Docker 29's with the 1.44 floor", () => {
    for (const release of KICBASE_RELEASES) {
      expect(release.docker.split('.')[0]).toBe(release.dockerApi.line);
      expect(release.dockerApi.minApi).toBe(DOCKER_LINES[release.dockerApi.line as keyof typeof DOCKER_LINES].minApi);
    }
    expect(KICBASE_RELEASES.find((r) => r.version === 'v0.0.47')).toMatchObject({
      docker: expect.stringMatching(/^28\.1/),
      containerd: expect.stringMatching(/^1\.7/),
    });
    for (const version of ['v0.0.49', 'v0.0.50']) {
      expect(KICBASE_RELEASES.find((r) => r.version === version)).toMatchObject({
        baseOs: 'Debian 12 (bookworm)',
        containerd: expect.stringMatching(/^2\.2/),
        dockerApi: { line: '29', minApi: '1.44' },
      });
    }
  });

  it.each(['v0.3.10', 'v0.3.12', 'v0.3.15'])('cri-dockerd %s, which starts at API 1.43, cannot start on Docker 29 (kicbase v0.0.50)', (cri) => {
    const problem = kicbaseCriDockerdProblem('v0.0.50', cri);
    expect(problem).toContain("kicbase v0.0.50's Docker 29.2.1 refuses Docker API below 1.44");
    expect(problem).toContain(`cri-dockerd ${cri} asks for 1.43`);
    expect(problem).toContain('"client version 1.43 is too old"');
    expect(kicbaseCriDockerdProblem('v0.0.49', cri)).toContain('refuses Docker API below 1.44');
  });

  it('lets every cri-dockerd from v0.3.16 and the whole 0.4 line start on Docker 29', () => {
    const starts = CRI_DOCKERD_RELEASES.filter((r) => kicbaseCriDockerdProblem('v0.0.50', r.version) === undefined).map((r) => r.version);
    expect(starts).toEqual([
      'v0.3.16',
      'v0.3.17',
      'v0.3.18',
      'v0.3.20',
      'v0.3.21',
      'v0.3.22',
      'v0.3.23',
      'v0.3.24',
      'v0.3.25',
      'v0.4.0',
      'v0.4.1',
      'v0.4.2',
      'v0.4.3',
    ]);
    expect(criDockerdFloorFor('v0.0.50')).toEqual(['v0.3.16', 'v0.4.0']);
  });

  it('lets every cri-dockerd start on the Docker 26-28 kicbase releases (no floor above 1.24; all speak 1.42+)', () => {
    for (const kicbase of ['v0.0.44', 'v0.0.45', 'v0.0.46', 'v0.0.47', 'v0.0.48']) {
      for (const { version } of CRI_DOCKERD_RELEASES) expect(kicbaseCriDockerdProblem(kicbase, version)).toBeUndefined();
      expect(criDockerdFloorFor(kicbase)).toEqual(['v0.3.10', 'v0.4.0']);
    }
  });

  it('knows nothing of versions outside the matrix', () => {
    expect(kicbaseCriDockerdProblem('v0.0.51', 'v0.3.15')).toBeUndefined();
    expect(kicbaseCriDockerdProblem('v0.0.50', 'v0.3.14')).toBeUndefined();
  });
});
