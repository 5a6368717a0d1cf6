/**
 * Executor output. Plain console: importing @nx/devkit for its logger costs ~0.4 s per `nx run` (it loads much of
 * nx), which is a third of an executor's own time.
 */
export const log = {
  info: (message: string) => console.info(message),
  error: (message: string) => console.error(message),
};
