/**
 * Operation output. Plain console: importing a framework logger (e.g. @nx/devkit's) costs ~0.4 s per run (it loads much of
 * nx), which is a third of an executor's own time.
 */
export const log = {
  info: (message: string) => console.info(message),
  error: (message: string) => console.error(message),
};
