/**
 * Upgrade == generate, by test: for every ordered pair of supported minors × binary source × kicbase release, moving
 * a generated node from one model to the other gives the node generated for the second directly; typical user edits
 * commute with upgrades (kept byte for byte outside the facts that must change); facts that cannot be found stop the
 * node with a message and change nothing. Plain TypeScript: no Nx anywhere in the core.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { loadNodeTemplates } from './load-templates';
import { applyFacts } from './apply-facts';
import { FactContext, FrontEnd } from './front-end';
import { templateData } from './template-data';
import { BINARY_SOURCES, BinarySource, NodeModel, resolveNode } from './node-model';
import { NodeFiles } from './node-files';
import { renderNode } from './render-node';
import { KICBASE_RELEASES, KUBERNETES_MINORS } from './version-matrix';

const frontEnd: FrontEnd = {
  command: (operation, node) => `kubelet-node ${operation} ${node}`,
  versionsHowTo: () => 'Versions: see the declaration.',
  provenance: 'Yours to edit.',
  ownership: 'Yours.',
};
const context: FactContext = { templates: loadNodeTemplates(), frontEnd };
const workspace = { hasProject: () => false, directoryHasFiles: () => false };

function model(
  kubeVersion: string,
  options: { binarySource?: BinarySource; kicbaseVersion?: string; criDockerdVersion?: string; kicbaseImage?: string } = {},
): NodeModel {
  return resolveNode({ name: 'n', criDockerdVersion: 'v0.3.21', ...options, kubeVersion }, workspace);
}
const generate = (m: NodeModel) => renderNode(m, context.templates, frontEnd);
function upgrade(files: NodeFiles, from: NodeModel, to: NodeModel): NodeFiles {
  const applied = applyFacts(files, from, to, context);
  if (applied.problems.length) throw new Error(applied.problems.join('\n'));
  return applied.files;
}

/** What a file means: parsed YAML, or the lines that are not comments (Dockerfile, units); documents as they are. */
function meaning(files: NodeFiles): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(files).map(([path, text]) => {
      if (/\.ya?ml$/.test(path)) return [path, parse(text)];
      if (path.endsWith('.md')) return [path, text];
      return [path, text.split('\n').filter((line) => !line.trimStart().startsWith('#') && line.trim() !== '')];
    }),
  );
}

const minors = KUBERNETES_MINORS.map((k) => k.minor);
const kicbases = KICBASE_RELEASES.map((k) => k.version);

describe('upgrade == generate', () => {
  const cases: [string, string, BinarySource, string, string][] = [];
  for (const from of minors) {
    for (const to of minors) {
      if (from === to) continue;
      for (const source of BINARY_SOURCES) {
        // Each kicbase release, moving to the next one (the newest stays).
        kicbases.forEach((kicbase, k) => cases.push([from, to, source, kicbase, kicbases[Math.min(k + 1, kicbases.length - 1)]]));
      }
    }
  }

  it(`holds for ${cases.length} upgrade paths (every ordered pair of minors × binary source × kicbase release), byte for byte`, () => {
    const failures: string[] = [];
    for (const [from, to, source, fromKicbase, toKicbase] of cases) {
      const a = model(from, { binarySource: source, kicbaseVersion: fromKicbase });
      const b = model(to, { binarySource: source, kicbaseVersion: toKicbase });
      const upgraded = upgrade(generate(a), a, b);
      const direct = generate(b);
      if (JSON.stringify(meaning(upgraded)) !== JSON.stringify(meaning(direct)))
        failures.push(`${from}→${to} ${source} ${fromKicbase}→${toKicbase}: meaning differs`);
      else if (JSON.stringify(upgraded) !== JSON.stringify(direct)) failures.push(`${from}→${to} ${source} ${fromKicbase}→${toKicbase}: bytes differ`);
    }
    expect(failures).toEqual([]);
    expect(cases.length).toBe(minors.length * (minors.length - 1) * BINARY_SOURCES.length * kicbases.length);
  });

  it('also holds along a path through every minor, and with an own base image reference', () => {
    for (const source of BINARY_SOURCES) {
      let files = generate(model(minors[0], { binarySource: source }));
      for (let i = 1; i < minors.length; i++)
        files = upgrade(files, model(minors[i - 1], { binarySource: source }), model(minors[i], { binarySource: source }));
      expect(files).toEqual(generate(model(minors[minors.length - 1], { binarySource: source })));
    }
    const mirror = 'mirror.example:5000/kicbase:v0.0.48@sha256:' + 'a'.repeat(64);
    const from = model('1.33');
    const to = model('1.36', { kicbaseVersion: 'v0.0.48', kicbaseImage: mirror });
    expect(upgrade(generate(from), from, to)).toEqual(generate(to));
  });

  it('changes nothing, and reports nothing, when the versions stay', () => {
    const m = model('1.35', { binarySource: 'local' });
    const applied = applyFacts(generate(m), m, m, context);
    expect(applied).toEqual({ files: generate(m), changes: [], kept: [], problems: [] });
  });

  it('reports exactly the facts it changed', () => {
    const from = model('1.34');
    const to = model('1.35');
    expect(applyFacts(generate(from), from, to, context).changes).toEqual([
      'Dockerfile.kicbase: ARG KUBE_VERSION v1.34.11 → v1.35.8',
      'compose.yaml: services.n.build.args.KUBE_VERSION v1.34.11 → v1.35.8',
      'Dockerfile.kicbase: ARG KUBE_VERSION_GO 1.24 → 1.25',
      'compose.yaml: services.n.build.args.KUBE_VERSION_GO 1.24 → 1.25',
      'Dockerfile.kicbase: ARG KUBELET_SHA256_AMD64 4777a226b2ba3c1d656254bcf3f7ad471bf210042f361094216e51ab4… → 6971b9f95e54dbed67a2271abe6e78f8cc2894494649f3cf39e4b25a8…',
      'Dockerfile.kicbase: ARG KUBELET_SHA256_ARM64 f12879879481e9af46317c2c82a6dba7d59df78ed095e44e0399643df… → 7744f84c49df6dff7d0a0471f9acef31568c02459659de83aa279cf3a…',
      'compose.yaml: services.n.image nx-kubelet-n:v1.34.11 → nx-kubelet-n:v1.35.8',
      'units/kubelet.service: --pod-infra-container-image in ExecStart= removed (was registry.k8s.io/pause:3.10.1)',
      'README.md: regenerated',
    ]);
  });

  it('writes versions only through the managed facts: templates see none', () => {
    const a = model('1.29', { kicbaseVersion: 'v0.0.44', binarySource: 'release' });
    const b = model('1.37', { kicbaseVersion: 'v0.0.50', criDockerdVersion: 'v0.4.3', binarySource: 'release' });
    // Apart from fact(id) (a function), what the templates see is the same for both versions.
    expect(JSON.stringify(templateData(a, context))).toBe(JSON.stringify(templateData(b, context)));
    expect(Object.keys(templateData(a, context))).not.toEqual(expect.arrayContaining(['kubernetes']));
    expect(templateData(b, context).fact).toBeInstanceOf(Function);
  });
});

/**
 * The workspace formatter as Nx users have it: the real prettier CLI over the node's YAML and Markdown files (in a
 * child process: prettier 3 loads its plugins with dynamic imports, which jest's VM does not allow).
 */
function prettierFormat(files: NodeFiles): NodeFiles {
  const dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-prettier-'));
  try {
    const paths = Object.keys(files).filter((path) => /\.(ya?ml|md)$/.test(path));
    for (const path of paths) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), files[path]);
    }
    execFileSync(process.execPath, [require.resolve('prettier/bin/prettier.cjs'), '--write', '--log-level=warn', ...paths], { cwd: dir });
    return { ...files, ...Object.fromEntries(paths.map((path) => [path, readFileSync(join(dir, path), 'utf8')])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A user's edit: applied to a node before an upgrade, it must come out of the upgrade as if applied after it. */
type Edit = [string, (files: NodeFiles) => NodeFiles, { formatsAfterwards?: boolean }?];
const change = (path: string, transform: (text: string) => string) => (files: NodeFiles) => {
  const next = transform(files[path]);
  if (next === files[path]) throw new Error(`edit of ${path} changed nothing`);
  return { ...files, [path]: next };
};

const EDITS: Edit[] = [
  [
    'own comments naming versions, extra kubelet keys',
    change('kubelet.yaml', (t) => `${t}# tested on v1.34.1 and v1.34.11, cri-dockerd v0.3.21\nmaxPods: 50 # mine\nserializeImagePulls: false\n`),
  ],
  [
    'compose interpolation in BINARY_SOURCE and hostname',
    change('compose.yaml', (t) =>
      t.replace(/BINARY_SOURCE: (\w+).*/, 'BINARY_SOURCE: ${BINARY_SOURCE:-$1}').replace('hostname: n', 'hostname: ${NODE_HOSTNAME:-n}'),
    ),
  ],
  ['build args as a KEY=value list', change('compose.yaml', (t) => t.replace(/^( {8})(\w+): "?([^"\s]*)"?(.*)$/gm, '$1- $2=$3$4'))],
  [
    'ExecStart wrapped over lines with \\',
    change('units/kubelet.service', (t) => t.replace(/^ExecStart=(.*)$/m, (_, rest: string) => `ExecStart=${rest.split(' ').join(' \\\n  ')}`)),
  ],
  [
    'extra services (with build args of their own) and an own volume',
    change('compose.yaml', (t) =>
      t
        .replace('services:\n', 'services:\n  sidecar: # mine\n    image: nx-kubelet-n:v1.0.0\n    build:\n      args:\n        KUBE_VERSION: v9.9.9\n')
        .replace('volumes:\n  n-var:', 'volumes:\n  mine:\n  n-var:'),
    ),
  ],
  ['own Dockerfile layer and comment naming a version', change('Dockerfile.kicbase', (t) => `${t}# my layer, for v1.34.11\nRUN echo mine > /etc/mine\n`)],
  [
    'own kubelet flag and an own unit setting',
    change('units/kubelet.service', (t) => t.replace(/^(ExecStart=.*)$/m, '$1 --v=2').replace('RestartSec=600ms', 'RestartSec=1s')),
  ],
  [
    'own cri-dockerd flag before the pause image flag',
    change('units/cri-docker.service', (t) => t.replace('--network-plugin=', '--network-plugin= --log-level=debug')),
  ],
  // Nx runs the workspace formatter after every generator: a regenerated README is formatted again then.
  ['files reformatted by the workspace formatter (prettier)', prettierFormat, { formatsAfterwards: true }],
];

describe('user edits survive upgrades byte for byte', () => {
  const paths: [string, string][] = [
    ['v1.34.1', '1.35'],
    ['1.30', '1.31'],
    ['1.33', '1.37'],
  ];
  for (const [name, edit, { formatsAfterwards } = {}] of EDITS) {
    it.each(paths)(`${name}: %s → %s`, (fromVersion, toVersion) => {
      const from = model(fromVersion);
      const to = model(toVersion);
      const upgraded = upgrade(edit(generate(from)), from, to);
      expect(formatsAfterwards ? prettierFormat(upgraded) : upgraded).toEqual(edit(generate(to)));
    });
  }

  it('keeps an own image name and an interpolated version, and says so', () => {
    const from = model('1.34');
    const to = model('1.35');
    const files = change('compose.yaml', (t) =>
      t
        .replace('image: nx-kubelet-n:v1.34.11', 'image: registry.example/nodes/n:latest')
        .replace('KUBE_VERSION: v1.34.11', 'KUBE_VERSION: ${KUBE_VERSION:-v1.34.11}'),
    )(generate(from));
    const applied = applyFacts(files, from, to, context);
    expect(applied.problems).toEqual([]);
    expect(parse(applied.files['compose.yaml']).services.n).toMatchObject({
      image: 'registry.example/nodes/n:latest',
      build: { args: { KUBE_VERSION: '${KUBE_VERSION:-v1.34.11}', KUBE_VERSION_GO: '1.25' } },
    });
    expect(applied.kept).toEqual([
      "compose.yaml: services.n.build.args.KUBE_VERSION kept your ${KUBE_VERSION:-v1.34.11} (nx-kubelet's value: v1.35.8)",
      "compose.yaml: services.n.image kept your registry.example/nodes/n:latest (nx-kubelet's value: nx-kubelet-n:v1.35.8)",
    ]);
    expect(applied.changes.join('\n')).not.toContain('services.n.image');
  });

  it('leaves an edited README alone and regenerates bin/README.md of a local node', () => {
    const from = model('1.34', { binarySource: 'local' });
    const to = model('1.36', { binarySource: 'local' });
    const files = change('README.md', (t) => `${t}\nMy notes.\n`)(generate(from));
    const applied = applyFacts(files, from, to, context);
    expect(applied.files['README.md']).toBe(files['README.md']);
    expect(applied.files['bin/README.md']).toBe(generate(to)['bin/README.md']);
    expect(applied.files['bin/README.md']).toContain('Kubernetes v1.36.4');
    expect(applied.kept).toEqual(['README.md: kept as it is (you edited it)']);
  });

  it("keeps feature gates of the user's own when the cgroup-driver gate comes and goes (1.30 ↔ 1.31)", () => {
    const withOwnGate = (text: string) =>
      text.includes('\nfeatureGates:\n')
        ? text.replace('\nfeatureGates:\n', '\nfeatureGates:\n  MyGate: true # mine\n')
        : `${text}featureGates:\n  MyGate: true # mine\n`;
    for (const [a, b] of [
      ['1.30', '1.31'],
      ['1.31', '1.29'],
    ]) {
      const from = model(a);
      const to = model(b);
      const upgraded = upgrade(change('kubelet.yaml', withOwnGate)(generate(from)), from, to);
      expect(parse(upgraded['kubelet.yaml'])).toEqual(parse(withOwnGate(generate(to)['kubelet.yaml'])));
      expect(upgraded['kubelet.yaml']).toContain('  MyGate: true # mine\n');
    }
  });

  it('finds the compose file under any name Compose accepts', () => {
    const from = model('1.34');
    const to = model('1.35');
    const { 'compose.yaml': compose, ...rest } = generate(from);
    const applied = applyFacts({ ...rest, 'docker-compose.yml': compose }, from, to, context);
    expect(applied.problems).toEqual([]);
    expect(applied.files['docker-compose.yml']).toBe(generate(to)['compose.yaml']);
    expect(applied.files['compose.yaml']).toBeUndefined();
  });
});

describe('facts that cannot be found', () => {
  const cases: [string, string, string, (files: NodeFiles) => NodeFiles, string][] = [
    [
      'a deleted ARG',
      '1.34',
      '1.35',
      change('Dockerfile.kicbase', (t) => t.replace(/^ARG KUBE_VERSION=.*\n/m, '')),
      "Dockerfile.kicbase: it is missing: cannot find the kubelet's Kubernetes version (ARG KUBE_VERSION). Restore ARG KUBE_VERSION (value: v1.35.8)",
    ],
    [
      'ExecStart replaced by a script',
      '1.34',
      '1.35',
      change('units/kubelet.service', (t) => t.replace(/^ExecStart=.*$/m, 'ExecStart=/opt/run-kubelet.sh')),
      "units/kubelet.service: its ExecStart= runs /opt/run-kubelet.sh, not kubelet: cannot find the kubelet's pause image flag (removed in 1.35)",
    ],
    [
      "compose without the node's service",
      '1.34',
      '1.35',
      change('compose.yaml', (t) => t.replace(/^  n:$/m, '  renamed:')),
      'compose.yaml: it has no service "n" (the node\'s own service): cannot find',
    ],
    ['kubelet.yaml that is not YAML', '1.30', '1.31', change('kubelet.yaml', (t) => `${t}\n: : [broken\n`), 'kubelet.yaml: it is not valid YAML'],
  ];
  it.each(cases)('%s: %s → %s stops with a message and changes nothing', (_name, fromVersion, toVersion, edit, message) => {
    const from = model(fromVersion);
    const to = model(toVersion);
    const files = edit(generate(from));
    const applied = applyFacts(files, from, to, context);
    expect(applied.problems.join('\n')).toContain(message);
    expect(applied.files).toBe(files);
    expect(applied.changes).toEqual([]);
  });

  it.each([
    [
      'feature gates written as one flow mapping',
      (t: string) => t.replace('featureGates:\n  KubeletCgroupDriverFromCRI: true\n', 'featureGates: {MemoryQoS: true, KubeletCgroupDriverFromCRI: true}\n'),
      'cannot remove',
    ],
    ['a kubelet.yaml written as JSON', (t: string) => JSON.stringify(parse(t)), 'written as one flow mapping (JSON style)'],
  ])('%s: 1.30 → 1.31 stops with a message and changes nothing', (_name, transform, message) => {
    const from = model('1.30');
    const to = model('1.31');
    const files = change('kubelet.yaml', transform)(generate(from));
    const applied = applyFacts(files, from, to, context);
    expect(applied.problems.join('\n')).toContain(message);
    expect(applied.files).toBe(files);
  });

  it('removes the feature gate on the last line of a file without a final newline, and nothing else', () => {
    const from = model('1.30');
    const to = model('1.31');
    const gateLast = (t: string) =>
      `${t.replace('featureGates:\n  KubeletCgroupDriverFromCRI: true\n', '')}featureGates:\n  MyGate: true\n  KubeletCgroupDriverFromCRI: true`;
    const upgraded = upgrade(change('kubelet.yaml', gateLast)(generate(from)), from, to);
    expect(parse(upgraded['kubelet.yaml'])).toEqual({ ...parse(generate(to)['kubelet.yaml']), featureGates: { MyGate: true } });
    expect(upgraded['kubelet.yaml'].match(/^apiVersion:/gm)).toHaveLength(1);
  });

  it("keeps a value of the user's own that is no longer needed (KubeletCgroupDriverFromCRI: false on 1.32)", () => {
    const m = model('1.32');
    const files = change('kubelet.yaml', (t) => `${t}featureGates:\n  KubeletCgroupDriverFromCRI: false\n`)(generate(m));
    const applied = applyFacts(files, m, m, context);
    expect(applied.files).toEqual(files);
    expect(applied.changes).toEqual([]);
  });

  it('does not stop for a fact this move does not touch (a script in ExecStart, 1.35 → 1.36)', () => {
    const from = model('1.35');
    const to = model('1.36');
    const files = change('units/kubelet.service', (t) => t.replace(/^ExecStart=.*$/m, 'ExecStart=/opt/run-kubelet.sh'))(generate(from));
    expect(applyFacts(files, from, to, context).problems).toEqual([]);
  });
});
