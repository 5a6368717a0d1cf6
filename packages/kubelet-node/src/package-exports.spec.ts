// kubelet-node's entry points are its package.json `exports`. TypeScript here resolves with node10 rules, which ignore
// `exports`: `typesVersions` names the same declarations, and the specs' tsconfig maps each subpath to its source
// (jest.config.js derives its mapper from `exports`). This checks that the three agree.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const packageRoot = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
};
const specPaths = (
  JSON.parse(readFileSync(join(packageRoot, '..', '..', 'generators', 'tsconfig.spec.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  }
).compilerOptions.paths;
const subpaths = Object.entries(manifest.exports).filter(([subpath]) => subpath !== '.' && subpath !== './package.json') as [
  string,
  { types: string; default: string },
][];

describe('kubelet-node package exports', () => {
  it('keeps the package itself, its package.json and the bin', () => {
    expect(manifest.exports['.']).toEqual({ types: manifest.types, default: manifest.main });
    expect(manifest.exports['./package.json']).toBe('./package.json');
  });

  it.each(subpaths)("%s: a dist file beside its declarations, named in typesVersions and the specs' tsconfig", (subpath, target) => {
    const name = subpath.slice(2);
    const source = target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
    expect(target.types).toBe(target.default.replace(/\.js$/, '.d.ts'));
    expect(existsSync(join(packageRoot, source))).toBe(true);
    expect(manifest.typesVersions['*'][name]).toEqual([target.types.slice(2)]);
    expect(specPaths[`kubelet-node/${name}`]).toEqual([`packages/kubelet-node/${source}`]);
  });

  it("names no subpath that typesVersions or the specs' tsconfig know and exports does not", () => {
    const names = subpaths.map(([subpath]) => subpath.slice(2)).sort();
    expect(Object.keys(manifest.typesVersions['*']).sort()).toEqual(names);
    expect(
      Object.keys(specPaths)
        .filter((path) => path.startsWith('kubelet-node/'))
        .map((path) => path.slice('kubelet-node/'.length))
        .sort(),
    ).toEqual(names);
  });
});
