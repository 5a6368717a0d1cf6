/**
 * kubelet-node's table of operations is the one list: every front-end has each of its operations (the Nx plugin's
 * executors, inferred and explicit targets and target-name options, the projen tasks, the CLI's help, the node README),
 * and an operation added to the table alone, with its implementation and its schema, reaches all of them.
 */
import { loadNodeTemplates, NODE_OPERATIONS, OPERATION_NAMES, OPERATION_SCHEMAS_DIR, OperationName, resolveNode, runOperation } from 'kubelet-node';
import { usage } from 'kubelet-node/cli';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project, Testing } from 'projen';
import { KubeletNode } from 'projen-kubelet';
import { nodeProjectConfiguration } from './lib/kubelet-nodes';
import { inferNodeProject, normalizePluginOptions } from './plugin';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeExecutors } = require('../build.js') as {
  writeExecutors(
    dist: string,
    operations: object,
    schemasDir: string,
  ): { executors: Record<string, { implementation: string; schema: string; description: string }> };
};

const scratch: string[] = [];
const temporaryDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const inferred = (options?: object) => inferNodeProject('n', (path) => path === 'n/compose.yaml', options).projects!.n.targets!;

function projenTasks(): Record<string, { description: string; steps: unknown[] }> {
  const project = new Project({ name: 'table', outdir: temporaryDir('operations-table-projen-') });
  new KubeletNode(project, { name: 'tbl' });
  return Testing.synth(project)['.projen/tasks.json'].tasks;
}

/** What each front-end offers, as operation names (and the generated executors, from a build into a scratch folder). */
function frontEnds(): Record<string, string[]> {
  const model = resolveNode({ name: 'tbl' }, { hasProject: () => false, directoryHasFiles: () => false });
  const executors = writeExecutors(temporaryDir('operations-table-dist-'), NODE_OPERATIONS, OPERATION_SCHEMAS_DIR).executors;
  const help = usage();
  const readme = loadNodeTemplates()['README.md.ejs'];
  return {
    'executors.json': Object.keys(executors),
    'inferred targets': Object.keys(inferred()),
    'target-name options': Object.keys(
      inferred(Object.fromEntries(OPERATION_NAMES.map((name) => [`${name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())}TargetName`, `my-${name}`]))),
    ).map((target) => target.replace(/^my-/, '')),
    '--explicitTargets': Object.keys(nodeProjectConfiguration(model, {} as never, true).targets ?? {}),
    'projen tasks': Object.keys(projenTasks())
      .filter((task) => task.startsWith('tbl:'))
      .map((task) => task.slice('tbl:'.length)),
    'CLI help': OPERATION_NAMES.filter((name) => new RegExp(`^  ${name} `, 'm').test(help)),
    'node README': OPERATION_NAMES.filter((name) => readme.includes(`command('${name}')`)),
  };
}

describe('the table of node operations', () => {
  it('every front-end offers exactly the operations of the table', () => {
    for (const [frontEnd, names] of Object.entries(frontEnds()))
      expect({ frontEnd, names: [...names].sort() }).toEqual({ frontEnd, names: [...OPERATION_NAMES].sort() });
  });

  it('each operation has a schema, an implementation and its description everywhere it is listed', async () => {
    const tasks = projenTasks();
    for (const name of OPERATION_NAMES) {
      const spec = NODE_OPERATIONS[name];
      expect(JSON.parse(readFileSync(join(OPERATION_SCHEMAS_DIR, `${name}.json`), 'utf8')).type).toBe('object');
      expect(typeof (await spec.implementation())).toBe('function');
      expect(inferred()[name].metadata?.description).toBe(spec.description);
      expect(tasks[`tbl:${name}`].description).toBe(`tbl: ${spec.description}`);
    }
  });

  describe('an operation added to the table alone', () => {
    const SAMPLE = 'sample-op' as OperationName;
    const schemaPath = join(OPERATION_SCHEMAS_DIR, `${SAMPLE}.json`);
    const calls: object[] = [];
    const table = NODE_OPERATIONS as unknown as Record<string, unknown>;

    beforeAll(() => {
      // Its schema and its implementation, and its entry: nothing else is written for it.
      writeFileSync(schemaPath, JSON.stringify({ type: 'object', title: 'Sample', properties: { level: { type: 'number', description: 'How much.' } } }));
      table[SAMPLE] = {
        description: 'A sample operation.',
        seeAlso: 'true --help',
        needsWorkloadImages: true,
        implementation: async () => async (_node: object, options: object) => (calls.push(options), true),
      };
      OPERATION_NAMES.push(SAMPLE);
    });
    afterAll(() => {
      delete table[SAMPLE];
      OPERATION_NAMES.splice(OPERATION_NAMES.indexOf(SAMPLE), 1);
      rmSync(schemaPath, { force: true });
    });

    it('reaches every front-end, with its target-name option, its dependencies, its help and its options', async () => {
      // All but the node README: a line there is the operation's documentation, which the test above asks for.
      const { 'node README': documented, ...derived } = frontEnds();
      for (const [frontEnd, names] of Object.entries(derived)) expect({ frontEnd, has: names.includes(SAMPLE) }).toEqual({ frontEnd, has: true });
      expect(documented).not.toContain(SAMPLE);
      expect(normalizePluginOptions({ sampleOpTargetName: 'sample' } as never)[SAMPLE]).toBe('sample');
      expect(inferred()[SAMPLE].dependsOn).toEqual([{ target: 'docker:build', dependencies: true }]);
      expect(usage(SAMPLE)).toMatch(/--level=<number>\s+How much\./);
      // runOperation checks its options against its schema before anything runs.
      expect(await runOperation(SAMPLE, { name: 'x', dir: temporaryDir('operations-table-node-'), command: (op) => op }, { levle: 1 })).toBe(1);
      expect(calls).toEqual([]);
    });
  });
});
