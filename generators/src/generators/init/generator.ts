import { addDependenciesToPackageJson, formatFiles, GeneratorCallback, readNxJson, runTasksInSerial, Tree, updateNxJson } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface InitGeneratorSchema {
  keepExistingVersions?: boolean;
  updatePackageScripts?: boolean;
  skipPackageJson?: boolean;
  skipFormat?: boolean;
}

export const PLUGIN_NAME = 'nx-kubelet';

/** Adds nx-kubelet to nx.json's plugins unless it is there already (as a string or as `{ plugin }`). */
export function registerPlugin(tree: Tree): boolean {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  if (plugins.some((entry) => (typeof entry === 'string' ? entry : entry.plugin) === PLUGIN_NAME)) return false;
  updateNxJson(tree, { ...nxJson, plugins: [...plugins, PLUGIN_NAME] });
  return true;
}

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
