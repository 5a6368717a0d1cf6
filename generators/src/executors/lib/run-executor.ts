import type { ExecutorContext, TargetConfiguration } from '@nx/devkit';
import { BUILD_OPTION_NAMES, OperationName, runOperation } from 'kubelet-node';

/**
 * The Nx executor of a node operation: the project's folder and Nx's wording (`nx run <node>:<operation>`) go to the
 * one implementation of the operation (kubelet-node), which checks the options against its schema (the executor's
 * schema.json is a copy), runs it, and prints a clear message on failure.
 */
export function nodeExecutor(operation: OperationName) {
  return async (options: object, context: ExecutorContext): Promise<{ success: boolean }> => {
    const projectName = context.projectName;
    const project = projectName ? context.projectsConfigurations?.projects[projectName] : undefined;
    if (!projectName || !project) {
      console.error('nx-kubelet: executors run for a project: use `nx run <node>:<target>`.');
      return { success: false };
    }
    // up builds the image itself when it is out of date: with the build target's options (project.json, targetDefaults),
    // as when up depended on a build task, under up's own.
    if (operation === 'up')
      options = withBuildTargetOptions(options as Record<string, unknown>, buildTargetOptions(project.targets, context.configurationName));
    const exitCode = await runOperation(
      operation,
      {
        name: projectName,
        dir: `${context.root}/${project.root}`,
        displayDir: project.root,
        workspaceRoot: context.root,
        command: (name, args) => `nx run ${projectName}:${name}${args ? ` ${args}` : ''}`,
        // A matrix's report names its nodes' own targets.
        commandFor: (node) => (name, args) => `nx run ${node}:${name}${args ? ` ${args}` : ''}`,
        matrixSync: '`nx sync` (Nx runs it before a task only outside CI; in CI run `nx sync` or `nx sync:check` first)',
      },
      options,
      context.target?.executor ?? `nx-kubelet:${operation}`,
    );
    return { success: exitCode === 0 };
  };
}

/** The build options (BUILD_OPTION_NAMES) set on the project's nx-kubelet:build target, and on its configuration of that name. */
export function buildTargetOptions(targets: Record<string, TargetConfiguration> | undefined, configuration?: string): Record<string, unknown> {
  const build = Object.values(targets ?? {}).find((target) => target.executor === 'nx-kubelet:build');
  const set: Record<string, unknown> = { ...build?.options, ...(configuration ? build?.configurations?.[configuration] : undefined) };
  return Object.fromEntries(BUILD_OPTION_NAMES.filter((name) => set[name] !== undefined).map((name) => [name, set[name]]));
}

/**
 * up's options over the build target's: Nx fills in up's schema defaults (`noCache: false`…), so a flag the build
 * target turns on stays on, build args are merged key by key, and up's own value wins otherwise.
 */
export function withBuildTargetOptions(own: Record<string, unknown>, build: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...build, ...own };
  for (const [name, value] of Object.entries(build)) {
    if (value === true) merged[name] = true;
    else if (value && typeof value === 'object' && own[name] && typeof own[name] === 'object') merged[name] = { ...value, ...(own[name] as object) };
  }
  return merged;
}
