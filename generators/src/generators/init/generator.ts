import { addDependenciesToPackageJson, formatFiles, GeneratorCallback, runTasksInSerial, Tree } from '@nx/devkit';
import { PLUGIN_NAME, registerPlugin } from '../../lib/register-plugin';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface InitGeneratorSchema {
  keepExistingVersions?: boolean;
  updatePackageScripts?: boolean;
  skipPackageJson?: boolean;
  skipFormat?: boolean;
}

export { PLUGIN_NAME, registerPlugin } from '../../lib/register-plugin';

/** `nx add nx-kubelet` / `nx g nx-kubelet:init`: registers the plugin and the package. Idempotent. */
export async function initGenerator(tree: Tree, schema: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  registerPlugin(tree);
  const tasks: GeneratorCallback[] = [];
  if (!schema.skipPackageJson) {
    const version = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).version as string;
    tasks.push(addDependenciesToPackageJson(tree, {}, { [PLUGIN_NAME]: version }, undefined, schema.keepExistingVersions));
  }
  if (!schema.skipFormat) await formatFiles(tree);
  return runTasksInSerial(...tasks);
}

export default initGenerator;
