import type { ExecutorContext } from '@nx/devkit';
import { OperationName, runOperation } from 'kubelet-node';

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
    const exitCode = await runOperation(
      operation,
      {
        name: projectName,
        dir: `${context.root}/${project.root}`,
        displayDir: project.root,
        workspaceRoot: context.root,
        command: (name, args) => `nx run ${projectName}:${name}${args ? ` ${args}` : ''}`,
      },
      options,
      context.target?.executor ?? `nx-kubelet:${operation}`,
    );
    return { success: exitCode === 0 };
  };
}
