import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const pluginRoot = join(__dirname, '..', '..');
const migrations = JSON.parse(readFileSync(join(pluginRoot, 'migrations.json'), 'utf8'));
const pluginVersion = JSON.parse(readFileSync(join(pluginRoot, 'package.json'), 'utf8')).version;

describe('migrations.json', () => {
  it('is valid against the migrations schema that nx ships', () => {
    const schema = JSON.parse(readFileSync(require.resolve('nx/schemas/migrations-schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(migrations) ? [] : validate.errors).toEqual([]);
  });

  it.each(Object.entries(migrations.generators))('%s: its implementation and documentation exist in source, and its version is released', (_, entry) => {
    const { implementation, documentation, version } = entry as Record<string, string>;
    // An implementation may name its export after `#` (apply-release-facts.js#<release>).
    const source = (path: string) => join(pluginRoot, path.split('#')[0].replace('./dist/', 'src/'));
    expect(existsSync(`${source(implementation)}.ts`.replace('.js.ts', '.ts'))).toBe(true);
    expect(existsSync(source(documentation))).toBe(true);
    const [a, b] = [version, pluginVersion].map((v) => v.split('.').map(Number));
    expect(a[0] * 1e6 + a[1] * 1e3 + a[2]).toBeLessThanOrEqual(b[0] * 1e6 + b[1] * 1e3 + b[2]);
  });
});
