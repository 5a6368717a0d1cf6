import type { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { refuseUnknownOptions, schemaOptions } from '../../options-check';
import { log } from './log';

/**
 * Turns an executor body into an Nx executor: options are checked against the executor's schema first (a misspelled
 * option is refused with the closest known one named), and a thrown error becomes one clear message and
 * `{ success: false }` (no stack trace for expected failures such as a stopped daemon).
 */
export function nodeExecutor<T>(body: (options: T, context: ExecutorContext) => Promise<boolean>) {
  return async (options: T, context: ExecutorContext): Promise<{ success: boolean }> => {
    try {
      const executor = context.target?.executor?.split(':')[1];
      if (executor) refuseUnknownOptions(options as object, schemaOptions(join(__dirname, '..', executor)), context.target!.executor!);
      return { success: await body(options, context) };
    } catch (error) {
      log.error(`nx-kubelet: ${error instanceof Error ? error.message : String(error)}`);
      return { success: false };
    }
  };
}
