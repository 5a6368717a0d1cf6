import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkExportFolder, EXPORT_MARKER, replaceExportFolder, startExportFolder } from './export-logs';

describe('the export folder', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'export-logs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** One export as exportLogs does it: check, fill a fresh folder, put it in place. */
  const exportFiles = (output: string, files: Record<string, string>) => {
    checkExportFolder(output);
    const temporary = startExportFolder(output);
    for (const [file, text] of Object.entries(files)) writeFileSync(join(temporary, file), text);
    replaceExportFolder(temporary, output);
  };

  it('a second export replaces the first as a whole: no stale files, nothing left beside it', () => {
    const output = join(root, 'dist', 'kubelet-logs', 'n1');
    exportFiles(output, { 'pods.json': '[]', 'errors.txt': 'x' });
    exportFiles(output, { 'journal.log': 'new' });
    expect(readdirSync(output).sort()).toEqual([EXPORT_MARKER, 'journal.log']);
    expect(readFileSync(join(output, 'journal.log'), 'utf8')).toBe('new');
    expect(readdirSync(join(root, 'dist', 'kubelet-logs'))).toEqual(['n1']);
  });

  it('uses an empty folder, and refuses a non-empty folder it did not write (a node folder), changing nothing', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    exportFiles(empty, { 'journal.log': 'j' });
    expect(existsSync(join(empty, EXPORT_MARKER))).toBe(true);

    const nodeDir = join(root, 'packages', 'my-node');
    mkdirSync(nodeDir, { recursive: true });
    writeFileSync(join(nodeDir, 'kubelet.yaml'), 'mine');
    expect(() => exportFiles(nodeDir, { 'kubelet.yaml': 'exported' })).toThrow(`${nodeDir} is not empty and export-logs did not write it`);
    expect(readdirSync(nodeDir)).toEqual(['kubelet.yaml']);
    expect(readFileSync(join(nodeDir, 'kubelet.yaml'), 'utf8')).toBe('mine');
    expect(readdirSync(join(root, 'packages'))).toEqual(['my-node']);

    writeFileSync(join(root, 'a-file'), '');
    expect(() => checkExportFolder(join(root, 'a-file'))).toThrow('is a file, not a folder');
  });
});
