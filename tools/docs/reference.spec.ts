import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// docs/reference is generated from the schemas; this keeps the committed pages from drifting from them.
const script = join(__dirname, 'reference.js');
const reference = require('./reference.js') as {
  pages(): Record<string, string>;
  stalePages(outDir: string, expected?: Record<string, string>): string[];
  listOperations(): { name: string; schema: string }[];
};

describe('docs/reference', () => {
  it('is what tools/docs/reference.js writes (run `node tools/docs/reference.js` after changing a schema)', () => {
    const result = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is generated deterministically', () => {
    expect(reference.pages()).toEqual(reference.pages());
  });

  it('names a stale, missing or leftover page', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reference-'));
    try {
      const pages = reference.pages();
      for (const [name, content] of Object.entries(pages)) writeFileSync(join(dir, name), content);
      expect(reference.stalePages(dir, pages)).toEqual([]);
      writeFileSync(join(dir, 'operations.md'), `${pages['operations.md']}edited\n`);
      writeFileSync(join(dir, 'old.md'), '# old\n');
      rmSync(join(dir, 'generators.md'));
      expect(reference.stalePages(dir, pages)).toEqual(['operations.md', 'generators.md', 'old.md (not generated any more)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents every operation with a section and every option of its schema', () => {
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'reference', 'operations.md'), 'utf8');
    for (const { name, schema } of reference.listOperations()) {
      expect(page).toContain(`\n## ${name}\n`);
      const { properties } = JSON.parse(readFileSync(join(__dirname, '..', '..', schema), 'utf8')) as { properties: Record<string, unknown> };
      for (const option of Object.keys(properties)) expect(page).toContain(`| \`${option}\``);
    }
  });
});
