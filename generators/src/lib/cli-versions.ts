import { InvalidNodeOptionsError } from 'kubelet-node';

export const VERSION_OPTIONS = ['kubeVersion', 'criDockerdVersion', 'kicbaseVersion', 'kubeGoVersion', 'criDockerdGoVersion'] as const;
type VersionOptions = Partial<Record<(typeof VERSION_OPTIONS)[number], string | number>>;

/**
 * The nx CLI parses number-like arguments before the schema sees them: `--kubeVersion=1.35` arrives as 1.35 and
 * `--kubeVersion=1.30` as 1.3, which cannot be told apart from a real 1.3. Numbers become strings again, and when
 * such an option is then refused, the message says how to write it so that it stays a string.
 */
export function withVersionStrings<T extends VersionOptions, R>(
  schema: T,
  body: (options: T & Record<(typeof VERSION_OPTIONS)[number], string | undefined>) => R,
): R {
  const numeric = VERSION_OPTIONS.filter((key) => typeof schema[key] === 'number');
  const strings = Object.fromEntries(numeric.map((key) => [key, String(schema[key])]));
  try {
    return body({ ...schema, ...strings } as never);
  } catch (error) {
    if (!(error instanceof InvalidNodeOptionsError) || numeric.length === 0) throw error;
    const hints = numeric.map((key) => {
      const prefix = key.endsWith('GoVersion') ? 'go' : 'v';
      return `The nx CLI read --${key} as the number ${schema[key]}; if you meant a version ending in 0 (such as 1.30), write it with a prefix: --${key}=${prefix}1.30.`;
    });
    throw new InvalidNodeOptionsError([...error.problems, ...hints]);
  }
}
