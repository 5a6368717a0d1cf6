import type { ExecutorContext } from '@nx/devkit';
import { log } from './log';

/**
 * Turns an executor body into an Nx executor: a thrown error becomes one clear message and `{ success: false }`
 * (no stack trace for expected failures such as a stopped daemon).
 */
export function nodeExecutor<T>(body: (options: T, context: ExecutorContext) => Promise<boolean>) {
  return async (options: T, context: ExecutorContext): Promise<{ success: boolean }> => {
    try {
      return { success: await body(options, context) };
    } catch (error) {
      log.error(`nx-kubelet: ${error instanceof Error ? error.message : String(error)}`);
      return { success: false };
    }
  };
}
