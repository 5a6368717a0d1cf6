/**
 * A node is read once: loadNode (node-context.ts) reads the node's files, through the core's locators, and every other
 * operation takes what it needs from the node context. This spec reads the operations' sources and fails when one of
 * them reads or parses a node file itself; and checks what node-context.ts reads from a generated node.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FrontEnd } from '../core/front-end';
import { loadNodeTemplates } from '../core/load-templates';
import { managedFact } from '../core/managed-facts';
import { CRI_DOCKER_UNIT, KUBELET_DROPIN_DIR, KUBELET_UNIT, KUBELET_YAML } from '../core/node-files';
import { resolveNode } from '../core/node-model';
import { renderNode } from '../core/render-node';
import { DEFAULT_STATIC_POD_PATH, describeNode, kubeletUrl, loadNode, NodeContext, nodeManifests, readNodeFacts } from './node-context';

const workspace = { hasProject: () => false, directoryHasFiles: () => false };
const frontEnd: FrontEnd = { command: (op, node) => `run ${op} ${node}`, versionsHowTo: () => 'Versions.', provenance: 'Made here.', ownership: 'Yours.' };

const OPERATIONS_DIR = __dirname;
/** The one file of operations/ that reads the node's files. */
const READER = 'node-context.ts';

/**
 * node:fs functions an operation other than node-context.ts may import, and why: none of them on a node's file.
 * Every other operation imports nothing from node:fs.
 */
const FS_ALLOWED: Record<string, { names: string[]; why: string }> = {
  'export-logs.ts': {
    names: ['existsSync', 'mkdirSync', 'mkdtempSync', 'readdirSync', 'readFileSync', 'renameSync', 'rmSync', 'statSync', 'writeFileSync'],
    why: "the export folder it writes, and the package's own package.json",
  },
  'report.ts': { names: ['rmSync', 'writeFileSync'], why: 'the report folder it writes (report.json, junit.xml, report.html)' },
  'apply.ts': { names: ['existsSync', 'FSWatcher', 'watch'], why: 'watchReplaceableFolder: watches a folder (apply --watch), reads nothing' },
  'build-node.ts': {
    names: ['readFileSync', 'rmSync', 'unlinkSync', 'writeFileSync'],
    why: 'buildLock: its lock file in the temporary folder (one build of an image at a time), never a node file',
  },
};

/** Names that only a reader of the node's files needs. */
const READERS_OF_NODE_FILES = [
  'readManifestFolder',
  'manifestFileNames',
  'readDockerfileArg',
  'readComposeBuildArgs',
  'execStartFlag',
  'yamlValue',
  'composeFileOf',
];

const sources = readdirSync(OPERATIONS_DIR)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && file !== READER)
  .map((file) => ({ file, text: readFileSync(join(OPERATIONS_DIR, file), 'utf8') }));

/** The names a source imports from a module matching `from` (named imports, default and namespace imports). */
function importsFrom(text: string, from: RegExp): { module: string; names: string[] }[] {
  const found: { module: string; names: string[] }[] = [];
  for (const match of text.matchAll(/import\s+(?:type\s+)?([\s\S]*?)\s+from\s+['"]([^'"]+)['"]/g)) {
    if (!from.test(match[2])) continue;
    const clause = match[1];
    const named = /\{([\s\S]*)\}/.exec(clause)?.[1] ?? '';
    const names = named
      .split(',')
      .map(
        (part) =>
          part
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0],
      )
      .filter(Boolean);
    const other = clause
      .replace(/\{[\s\S]*\}/, '')
      .replace(/,/g, ' ')
      .trim();
    found.push({ module: match[2], names: other ? [...names, other] : names });
  }
  for (const match of text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (from.test(match[1])) found.push({ module: match[1], names: ['require'] });
  }
  return found;
}

describe('no operation but node-context.ts reads or parses a node file', () => {
  it('finds the operations (the scan is not vacuous)', () => {
    expect(sources.map((source) => source.file)).toEqual(expect.arrayContaining(['apply.ts', 'load.ts', 'up.ts', 'pods.ts', 'build-node.ts']));
  });

  it('parses no YAML: only node-context.ts imports the yaml package', () => {
    const offenders = sources.filter(({ text }) => importsFrom(text, /^yaml(\/|$)/).length > 0).map((source) => source.file);
    expect(offenders).toEqual([]);
  });

  it('reads no file through node:fs, but for the reasons listed here', () => {
    const offenders = sources.flatMap(({ file, text }) =>
      importsFrom(text, /^(node:)?fs(\/promises)?$/).flatMap(({ module, names }) =>
        names.filter((name) => !(FS_ALLOWED[file]?.names ?? []).includes(name)).map((name) => `${file}: ${name} from ${module}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it("reads the package's package.json only, where it may read a file at all", () => {
    const reads = sources.flatMap(({ file, text }) => [...text.matchAll(/readFileSync\(([^)]*)\)/g)].map((match) => ({ file, argument: match[1] })));
    // And buildLock its lock file, in the temporary folder.
    expect(reads.filter((read) => !read.argument.includes("'package.json'") && !(read.file === 'build-node.ts' && /^lockFile\b/.test(read.argument)))).toEqual(
      [],
    );
  });

  it("never goes to the node's folder (node.dir): its files are node-context.ts's", () => {
    const offenders = sources.filter(({ text }) => /\bnode\.dir\b/.test(text)).map((source) => source.file);
    expect(offenders).toEqual([]);
  });

  it("names no node file and uses none of the core's readers of node files", () => {
    const offenders = sources.flatMap(({ file, text }) => [
      ...importsFrom(text, /core\/node-files$/).map(({ names }) => `${file}: imports ${names.join(', ')} from core/node-files`),
      ...READERS_OF_NODE_FILES.filter((name) => new RegExp(`\\b${name}\\s*\\(`).test(text)).map((name) => `${file}: calls ${name}`),
    ]);
    expect(offenders).toEqual([]);
  });

  it("has no pattern over a unit file (ExecStart= and its flags are the core locators')", () => {
    const offenders = sources.filter(({ text }) => /ExecStart|--pod-infra-container-image|--hostname-override/.test(text)).map((source) => source.file);
    expect(offenders).toEqual([]);
  });

  it('asks the node for its hostname in one place (node-context.ts nodeName)', () => {
    const offenders = sources.filter(({ text }) => /'exec',\s*id,\s*'hostname'/.test(text)).map((source) => source.file);
    expect(offenders).toEqual([]);
  });

  it("hard-codes neither the kubelet's static pod folder nor its addresses", () => {
    const offenders = sources.filter(({ text }) => /\/etc\/kubernetes\/manifests|127\.0\.0\.1:/.test(text)).map((source) => source.file);
    expect(offenders).toEqual([]);
  });
});

describe('what node-context.ts reads from a node', () => {
  const exampleNode = join(__dirname, '..', '..', '..', 'example-node');
  const service = 'example-node';

  it('reads a generated node: kubelet ports, addresses and static pod folder, pause image, manifests', () => {
    const facts = readNodeFacts(exampleNode, 'packages/example-node', service);
    const pause = managedFact('cri-docker.service:--pod-infra-container-image');
    const unit = readFileSync(join(exampleNode, CRI_DOCKER_UNIT), 'utf8');
    expect(pause.file).toBe(CRI_DOCKER_UNIT);
    expect(facts.pauseImage).toBe((pause.locator.read(unit, { service }) as { value: string }).value);
    expect(facts.pauseImage).toMatch(/^registry\.k8s\.io\/pause:/);
    expect(facts.kubelet).toEqual({
      healthzPort: 10248,
      readOnlyPort: 10255,
      port: 10250,
      address: '127.0.0.1',
      healthzBindAddress: '127.0.0.1',
      staticPodPath: DEFAULT_STATIC_POD_PATH,
      hostnameOverride: undefined,
    });
    const node = { ...facts, dir: exampleNode, displayDir: 'packages/example-node' } as unknown as NodeContext;
    expect(kubeletUrl(node, 'healthz')).toBe('http://127.0.0.1:10248/healthz');
    expect(kubeletUrl(node, 'pods')).toBe('http://127.0.0.1:10255/pods');
    expect(kubeletUrl(node, 'configz')).toBe('https://127.0.0.1:10250/configz');
    const manifests = nodeManifests(node);
    expect(manifests.shown).toBe(join('packages/example-node', 'manifests'));
    expect(manifests.exists()).toBe(true);
    expect(manifests.read().map((pod) => pod.file)).toEqual(
      readdirSync(join(exampleNode, 'manifests'))
        .filter((file) => !file.startsWith('.'))
        .sort(),
    );
  });

  describe('in a node of its own', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'node-facts-'));
      mkdirSync(join(dir, 'units'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("takes the kubelet's defaults without a kubelet.yaml, and reads one written as JSON", () => {
      expect(readNodeFacts(dir, 'n', service).kubelet).toMatchObject({
        healthzPort: 10248,
        readOnlyPort: 0,
        port: 10250,
        staticPodPath: DEFAULT_STATIC_POD_PATH,
      });
      writeFileSync(join(dir, KUBELET_YAML), JSON.stringify({ readOnlyPort: 10266, staticPodPath: '/srv/pods/', address: '0.0.0.0' }));
      const facts = readNodeFacts(dir, 'n', service);
      expect(facts.kubelet).toMatchObject({ healthzPort: 10248, readOnlyPort: 10266, staticPodPath: '/srv/pods' });
      expect(kubeletUrl(facts, 'pods')).toBe('http://127.0.0.1:10266/pods');
    });

    it('says which file and field are wrong, not a raw exception', () => {
      writeFileSync(join(dir, KUBELET_YAML), 'healthzPort: [1\n');
      expect(() => readNodeFacts(dir, 'n', service)).toThrow(`${join('n', KUBELET_YAML)}:2: does not parse (`);
      writeFileSync(join(dir, KUBELET_YAML), 'healthzPort: [10248]\n');
      expect(() => readNodeFacts(dir, 'n', service)).toThrow(`${join('n', KUBELET_YAML)}:1: healthzPort is not a single value.`);
      writeFileSync(join(dir, KUBELET_YAML), 'healthzPort: ten\n');
      expect(() => readNodeFacts(dir, 'n', service)).toThrow(`${join('n', KUBELET_YAML)}:1: healthzPort is "ten", not a port number.`);
    });

    it('names the node, the compose file and the reason when the compose file is not YAML or its engine record has the wrong type', async () => {
      const ref = { name: 'n', dir, displayDir: 'nodes/n', command: (operation: string) => `run ${operation}` };
      writeFileSync(join(dir, 'compose.yaml'), 'services:\n  n: {build: [\n');
      await expect(loadNode(ref, {})).rejects.toThrow(/^Node "n": nodes\/n\/compose\.yaml:\d+: does not parse \(/);
      writeFileSync(join(dir, 'compose.yaml'), 'x-kubelet-node: [edge-a]\nservices:\n  n:\n    image: x\n');
      await expect(loadNode(ref, {})).rejects.toThrow(
        'Node "n": nodes/n/compose.yaml:1: x-kubelet-node must be a mapping with engine, docker-context or docker-host, got a list',
      );
    });

    it("names the node as the kubelet unit's literal --hostname-override does, and leaves %H to the container", () => {
      const unit = (flag: string) => `[Service]\nExecStart=/usr/bin/kubelet --config=/kubelet.yaml ${flag}\n`;
      writeFileSync(join(dir, KUBELET_UNIT), unit('--hostname-override=Edge-1'));
      expect(readNodeFacts(dir, 'n', service).kubelet.hostnameOverride).toBe('Edge-1');
      writeFileSync(join(dir, KUBELET_UNIT), unit('--hostname-override=%H'));
      expect(readNodeFacts(dir, 'n', service).kubelet.hostnameOverride).toBeUndefined();
    });

    it("reads a matrix member's kubelet as it runs: the drop-ins of kubelet.conf.d/ over kubelet.yaml, for the facts and the exposure check", () => {
      const files = renderNode(resolveNode({ name: 'm', matrix: { name: 'edge', directory: 'edge' } }, workspace), loadNodeTemplates(), frontEnd);
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      const dropin = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nhealthzPort: 10300\nreadOnlyPort: 10266\n';
      mkdirSync(join(dir, KUBELET_DROPIN_DIR, 'more'), { recursive: true });
      writeFileSync(join(dir, KUBELET_DROPIN_DIR, '50-matrix.conf'), dropin);
      writeFileSync(join(dir, KUBELET_DROPIN_DIR, 'more', '10.conf'), 'port: 10251\n');
      writeFileSync(join(dir, KUBELET_DROPIN_DIR, 'notes.txt'), 'healthzPort: 1\n');
      const facts = readNodeFacts(dir, 'm', 'm');
      expect(facts.kubelet).toMatchObject({ healthzPort: 10300, readOnlyPort: 10266, port: 10251, address: '127.0.0.1' });
      expect(kubeletUrl(facts, 'healthz')).toBe('http://127.0.0.1:10300/healthz');
      expect(Object.keys(facts.kubeletFiles).sort()).toEqual([
        `${KUBELET_DROPIN_DIR}/50-matrix.conf`,
        `${KUBELET_DROPIN_DIR}/more/10.conf`,
        KUBELET_YAML,
        KUBELET_UNIT,
      ]);
      writeFileSync(join(dir, KUBELET_DROPIN_DIR, '90.conf'), 'healthzPort: ten\n');
      expect(() => readNodeFacts(dir, 'm', 'm')).toThrow(`${join('m', KUBELET_DROPIN_DIR, '90.conf')}:1: healthzPort is "ten", not a port number.`);
      writeFileSync(join(dir, KUBELET_DROPIN_DIR, '90.conf'), 'healthzPort: [1\n');
      expect(() => readNodeFacts(dir, 'm', 'm')).toThrow(`${join('m', KUBELET_DROPIN_DIR, '90.conf')}:2: does not parse (`);
      rmSync(join(dir, KUBELET_DROPIN_DIR, '90.conf'));
      // The exposure check sees the drop-ins: one that opens the API is found, with its file and line.
      writeFileSync(join(dir, KUBELET_DROPIN_DIR, '60-open.conf'), 'address: 0.0.0.0\n');
      const context = describeNode({ name: 'm', dir, displayDir: 'm', command: (operation: string) => `run ${operation}` }, {});
      expect(context.exposure().map(({ file, line }) => `${file}:${line}`)).toContain(`${KUBELET_DROPIN_DIR}/60-open.conf:1`);
    });

    it('refuses a drop-in, or the drop-in folder, that a symbolic link takes outside the node', () => {
      const outside = mkdtempSync(join(tmpdir(), 'outside-'));
      try {
        writeFileSync(join(outside, 'x.conf'), 'address: 0.0.0.0\n');
        mkdirSync(join(dir, KUBELET_DROPIN_DIR));
        symlinkSync(join(outside, 'x.conf'), join(dir, KUBELET_DROPIN_DIR, '50.conf'));
        expect(() => readNodeFacts(dir, 'n', service)).toThrow(`${join('n', KUBELET_DROPIN_DIR, '50.conf')} leads outside the node's folder n`);
        rmSync(join(dir, KUBELET_DROPIN_DIR), { recursive: true });
        symlinkSync(outside, join(dir, KUBELET_DROPIN_DIR));
        expect(() => readNodeFacts(dir, 'n', service)).toThrow(`${join('n', KUBELET_DROPIN_DIR)} leads outside the node's folder n`);
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    });

    it("names no pause image when cri-dockerd runs from a script of the user's (not an error)", () => {
      writeFileSync(join(dir, CRI_DOCKER_UNIT), '[Service]\nExecStart=/usr/local/bin/start-cri.sh --pod-infra-container-image=x/pause:1\n');
      expect(readNodeFacts(dir, 'n', service).pauseImage).toBeUndefined();
    });
  });
});
