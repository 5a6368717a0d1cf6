import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runOperation } from '.';
import { matrixNodeRefs, NodeRef } from './node-context';

const record = (members: string) => `name: edge\nnode: {}\nmembers:\n${members}`;
const member = (name: string, directory: string) =>
  `  - name: ${name}\n    directory: ${directory}\n    kubeVersion: v1.29.15\n    criDockerdVersion: v0.4.3\n    kicbaseVersion: v0.0.47\n`;

describe("a matrix's folder as the target of an operation", () => {
  let dir: string;
  const ref = (): NodeRef => ({
    name: 'edge',
    dir,
    displayDir: 'packages/edge',
    command: (op) => `run ${op} edge`,
    commandFor: (name, shown) => (op) => `run ${op} ${name} in ${shown}`,
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-refs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is no matrix without a record', () => {
    expect(matrixNodeRefs(ref())).toBeUndefined();
  });

  it("names each node with its folder and the front-end's command for it", () => {
    mkdirSync(join(dir, '1-29'));
    mkdirSync(join(dir, '1-37'));
    writeFileSync(join(dir, 'kubelet-matrix.yaml'), record(member('edge-1-29', '1-29') + member('edge-1-37', '1-37')));
    const refs = matrixNodeRefs(ref())!;
    expect(refs.map((r) => [r.name, r.dir, r.displayDir])).toEqual([
      ['edge-1-29', join(dir, '1-29'), 'packages/edge/1-29'],
      ['edge-1-37', join(dir, '1-37'), 'packages/edge/1-37'],
    ]);
    expect(refs[1].command('up')).toBe('run up edge-1-37 in packages/edge/1-37');
  });

  it('refuses a record of the wrong type, a missing node folder, and one that leads out of the matrix', () => {
    writeFileSync(join(dir, 'kubelet-matrix.yaml'), 'name: edge\nmembers: nope\n');
    expect(() => matrixNodeRefs(ref())).toThrow(/packages\/edge\/kubelet-matrix\.yaml: members is not a list/);
    writeFileSync(join(dir, 'kubelet-matrix.yaml'), record(member('edge-1-29', '1-29')));
    expect(() => matrixNodeRefs(ref())).toThrow(/packages\/edge\/1-29: the folder of the matrix's node edge-1-29 is missing/);
    const outside = mkdtempSync(join(tmpdir(), 'matrix-outside-'));
    symlinkSync(outside, join(dir, '1-29'));
    expect(() => matrixNodeRefs(ref())).toThrow(/outside the node's folder packages\/edge \(through a symbolic link\)/);
    rmSync(outside, { recursive: true, force: true });
  });

  it('report on a matrix with a bad record fails with the reason, before any engine is asked', async () => {
    writeFileSync(join(dir, 'kubelet-matrix.yaml'), 'name: [\n');
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      expect(await runOperation('report', ref(), {}, 'kubelet-node report')).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('\n')).toMatch(/kubelet-matrix\.yaml: does not parse/);
  });

  it('up, build, apply and load of a matrix node whose copies are behind are refused, naming what; status is not', async () => {
    mkdirSync(join(dir, '1-29', 'manifests'), { recursive: true });
    mkdirSync(join(dir, '1-29', 'kubelet.conf.d'));
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(join(dir, 'kubelet-matrix.yaml'), record(member('edge-1-29', '1-29')));
    writeFileSync(join(dir, 'kubelet.yaml'), 'maxPods: 5\n');
    writeFileSync(join(dir, 'manifests', 'web.yaml'), 'kind: Pod\n');
    writeFileSync(join(dir, '1-29', 'kubelet.conf.d', '50-matrix.conf'), '# Copied from ../kubelet.yaml (matrix "edge"): SYNC.\n# header\nmaxPods: 5\n');
    const node = (): NodeRef => ({
      name: 'edge-1-29',
      dir: join(dir, '1-29'),
      displayDir: 'packages/edge/1-29',
      command: (op) => `run ${op}`,
      matrixSync: 'SYNC IT',
    });
    const errorsOf = async (operation: 'up' | 'build' | 'apply' | 'load' | 'status') => {
      const errors: string[] = [];
      const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
      try {
        return { code: await runOperation(operation, node(), {}, `kubelet-node ${operation}`), errors: errors.join('\n') };
      } finally {
        spy.mockRestore();
      }
    };
    for (const operation of ['up', 'build', 'apply', 'load'] as const) {
      const { code, errors } = await errorsOf(operation);
      expect(code).toBe(1);
      expect(errors).toContain('packages/edge/1-29 is a node of matrix "edge", and its copies of the matrix\'s manifests and settings are behind');
      expect(errors).toContain('manifests/web.yaml: not copied yet');
      expect(errors).toContain('Nothing was run. Copy them first: SYNC IT.');
    }
    // status reads the node as it runs: not refused for the copies (it fails later: the folder is no node).
    expect((await errorsOf('status')).errors).not.toContain('copies of the matrix');
    // The same node named as "." from inside it, and through a symbolic link: the same refusal, naming the matrix's files.
    const cwd = process.cwd();
    try {
      process.chdir(join(dir, '1-29'));
      const here = { ...node(), dir: '.', displayDir: '.' };
      const errors: string[] = [];
      const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
      try {
        expect(await runOperation('up', here, {}, 'kubelet-node up')).toBe(1);
      } finally {
        spy.mockRestore();
      }
      expect(errors.join('\n')).toContain('they differ from ../kubelet.yaml or ../manifests/');
    } finally {
      process.chdir(cwd);
    }
    const link = join(mkdtempSync(join(tmpdir(), 'matrix-link-')), 'n');
    symlinkSync(join(dir, '1-29'), link);
    const viaLink = await (async () => {
      const errors: string[] = [];
      const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
      try {
        return { code: await runOperation('up', { ...node(), dir: link, displayDir: link }, {}, 'kubelet-node up'), errors: errors.join('\n') };
      } finally {
        spy.mockRestore();
      }
    })();
    expect(viaLink.code).toBe(1);
    expect(viaLink.errors).toContain('manifests/web.yaml: not copied yet');
    rmSync(dirname(link), { recursive: true, force: true });
    // In step: not refused for the copies either.
    writeFileSync(join(dir, '1-29', 'manifests', 'web.yaml'), '# Copied from ../manifests/web.yaml (matrix "edge"): SYNC.\nkind: Pod\n');
    expect((await errorsOf('up')).errors).not.toContain('copies of the matrix');
  });

  it('a node beside a matrix record that cannot be read is refused before docker, saying why that file matters and the ways out', async () => {
    mkdirSync(join(dir, 'mine'));
    const node: NodeRef = { name: 'mine', dir: join(dir, 'mine'), displayDir: 'packages/edge/mine', command: (op) => `run ${op}` };
    for (const [text, reason] of [
      ['name: [\n', /kubelet-matrix\.yaml: does not parse/],
      ['name: edge\nmembers: 3\n', /kubelet-matrix\.yaml: members is not a list/],
    ] as const) {
      writeFileSync(join(dir, 'kubelet-matrix.yaml'), text);
      const errors: string[] = [];
      const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
      try {
        // A docker that is not there: the refusal comes first.
        expect(await runOperation('up', node, { dockerHost: 'unix:///nonexistent/docker.sock' }, 'kubelet-node up')).toBe(1);
      } finally {
        spy.mockRestore();
      }
      expect(errors.join('\n')).toMatch(reason);
      expect(errors.join('\n')).toContain(
        "packages/edge/mine is in the folder of that matrix record, so whether it is one of the matrix's nodes (whose copies of the matrix's manifests and settings must be in step before it runs) cannot be told. Nothing was run.",
      );
      expect(errors.join('\n')).toMatch(/Fix .*kubelet-matrix\.yaml, or move the node out of /);
      expect(errors.join('\n')).not.toMatch(/nonexistent|daemon/);
    }
  });
});
