import { readNxJson, Tree, updateNxJson } from '@nx/devkit';

/** The plugin's name in nx.json's `plugins` and in package.json. */
export const PLUGIN_NAME = 'nx-kubelet';

/** Adds nx-kubelet to nx.json's plugins unless it is there already (as a string or as `{ plugin }`). */
export function registerPlugin(tree: Tree): boolean {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  if (plugins.some((entry) => (typeof entry === 'string' ? entry : entry.plugin) === PLUGIN_NAME)) return false;
  updateNxJson(tree, { ...nxJson, plugins: [...plugins, PLUGIN_NAME] });
  return true;
}
