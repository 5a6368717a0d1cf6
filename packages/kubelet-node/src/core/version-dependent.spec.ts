import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { versionDependentOf } from './node-model';
import { KUBERNETES_MINORS, VERSION_DEPENDENT } from './version-matrix';

const TEMPLATES = join(__dirname, '..', '..', '..', '..', 'templates');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? files(join(dir, entry)) : [join(dir, entry)]));

describe('version-dependent capabilities (one style: VERSION_DEPENDENT → model booleans)', () => {
  it('start or end at a minor of the matrix', () => {
    const minors = KUBERNETES_MINORS.map((entry) => entry.minor);
    for (const range of Object.values(VERSION_DEPENDENT) as { since?: string; until?: string }[]) {
      for (const bound of [range.since, range.until].filter(Boolean)) expect(minors).toContain(bound);
    }
  });

  it('hold from since (inclusive) until until (exclusive)', () => {
    expect(versionDependentOf('1.30')).toMatchObject({ cgroupDriverFromCriGate: true, failCgroupV1Field: false, podInfraContainerImageFlag: true });
    expect(versionDependentOf('1.31')).toMatchObject({ cgroupDriverFromCriGate: false, failCgroupV1Field: true, podInfraContainerImageFlag: true });
    expect(versionDependentOf('1.35')).toMatchObject({ cgroupDriverFromCriGate: false, failCgroupV1ByDefault: true, podInfraContainerImageFlag: false });
  });

  it('are the only way templates depend on versions: no version literal in templates/', () => {
    const literals = files(TEMPLATES).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bv?\d+\.\d+(\.\d+)?\b/g)]
        .map((match) => match[0])
        .filter((text) => !/^(127\.0|0\.0|10\.96)/.test(text) && !/\d+\.\d+\.\d+\.\d+/.test(text))
        .map((text) => `${relative(TEMPLATES, file)}: ${text}`),
    );
    expect(literals).toEqual([]);
  });
});
