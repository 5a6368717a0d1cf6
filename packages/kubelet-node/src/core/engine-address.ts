/**
 * Docker engine addresses (DOCKER_HOST form) and docker context names: the one parser every front-end and the
 * operations use, for `--dockerHost` of a new node, the address or context a node records in its compose file
 * (`x-kubelet-node`), and the operations' `--dockerHost` and `--context`. Pure: no I/O.
 *
 * - `unix:///absolute/path`
 * - `tcp://host:port` (port 1-65535; an IPv6 literal in brackets, `tcp://[::1]:2375`)
 * - `ssh://[user@]host[:port]` (no path: docker's ssh helper takes none)
 * - `npipe:////./pipe/<name>` (Docker on Windows)
 *
 * No whitespace or shell metacharacters anywhere, and no host or user that starts with `-` (ssh would read it as an
 * option), so that an accepted address is safe to show inside a command a message suggests.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { isLoopback } from './exposure';

export type EngineAddress =
  | { scheme: 'unix'; address: string; path: string; loopback: true }
  | { scheme: 'npipe'; address: string; path: string; loopback: true }
  | { scheme: 'tcp'; address: string; host: string; port: number; loopback: boolean }
  | { scheme: 'ssh'; address: string; user?: string; host: string; port?: number; loopback: boolean };

/** Thrown by {@link parseEngineAddress}; its message names the option and what is wrong. */
export class InvalidEngineAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEngineAddressError';
  }
}

const EXAMPLES = 'ssh://user@build-host, tcp://10.0.0.5:2376, tcp://[::1]:2375 or unix:///run/user/1000/docker.sock';
// What an address may contain at all: letters, digits and . _ - : / @ [ ] + (no quotes, $, ;, |, &, spaces…).
const SAFE = /^[A-Za-z0-9._\-:/@[\]+]*$/;
// RFC 1123 host names: dot-separated labels of letters, digits and dashes, neither starting nor ending with a dash.
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const SSH_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// docker's own rule for context names.
const DOCKER_CONTEXT = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$/;

/** A value as messages may show it: JSON-quoted, so that no character of it can act in a terminal or shell. */
export function shownValue(value: string): string {
  return JSON.stringify(value);
}

/**
 * Parses an engine address; throws {@link InvalidEngineAddressError} whose message names `option` (e.g.
 * `--dockerHost`, or `compose.yaml x-kubelet-node.docker-host`) and says what is wrong. Surrounding whitespace is
 * ignored.
 */
export function parseEngineAddress(input: string, option = '--dockerHost'): EngineAddress {
  const address = input.trim();
  const fail = (why: string): never => {
    throw new InvalidEngineAddressError(`Invalid ${option} ${shownValue(address)}: ${why}`);
  };
  if (address === '') fail(`give a Docker daemon address such as ${EXAMPLES}.`);
  const bad = [...address].find((character) => !SAFE.test(character));
  if (bad !== undefined) {
    fail(
      `${/\s/.test(bad) ? 'whitespace' : `the character ${shownValue(bad)}`} has no place in an engine address (no whitespace or shell characters). Use an address such as ${EXAMPLES}.`,
    );
  }
  const scheme = /^([a-z]+):\/\//.exec(address)?.[1];
  const rest = scheme ? address.slice(scheme.length + 3) : '';
  switch (scheme) {
    case 'unix': {
      if (!rest.startsWith('/') || rest === '/' || rest.split('/').some((segment) => segment === '..')) {
        fail('a unix address names a socket by its absolute path, e.g. unix:///run/user/1000/docker.sock (three slashes).');
      }
      return { scheme, address, path: rest, loopback: true };
    }
    case 'npipe': {
      if (!/^\/\/\.\/pipe\/[A-Za-z0-9_.-]+$/.test(rest)) fail('a named pipe address is npipe:////./pipe/<name>, e.g. npipe:////./pipe/docker_engine.');
      return { scheme, address, path: rest, loopback: true };
    }
    case 'tcp': {
      const authority = rest.replace(/\/$/, '');
      if (authority.includes('/') || authority.includes('@')) fail('a tcp address is tcp://host:port, with no user and no path.');
      const { host, port } = hostAndPort(authority, fail);
      if (port === undefined) fail(`a tcp address needs its port, e.g. tcp://${host}:2376 (TLS) or :2375.`);
      return { scheme, address, host, port: port!, loopback: hostIsLoopback(host) };
    }
    case 'ssh': {
      if (rest.includes('/')) fail('an ssh address is ssh://[user@]host[:port], with no path.');
      const at = rest.lastIndexOf('@');
      const user = at === -1 ? undefined : rest.slice(0, at);
      if (user !== undefined && !SSH_USER.test(user)) {
        fail(`the user ${shownValue(user)} is not a login name (letters, digits, ".", "_" and "-", not starting with "-").`);
      }
      const { host, port } = hostAndPort(rest.slice(at + 1), fail);
      return { scheme, address, ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}), loopback: hostIsLoopback(host) };
    }
    default:
      return fail(
        scheme
          ? `"${scheme}://" is not a Docker daemon address; use unix://, tcp:// or ssh://, e.g. ${EXAMPLES}.`
          : `use a Docker daemon address with its scheme, such as ${EXAMPLES}.`,
      );
  }
}

/** `host[:port]` or `[ipv6][:port]`: the host checked (a name, IPv4 or bracketed IPv6, never starting with `-`), the port 1-65535. */
function hostAndPort(authority: string, fail: (why: string) => never): { host: string; port?: number } {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::([^:]*))?$/.exec(authority);
  if (!match) {
    return fail(
      authority.includes(':') && !authority.startsWith('[')
        ? 'an IPv6 address goes in brackets, e.g. tcp://[::1]:2375 or ssh://user@[fd00::5].'
        : 'give the host as a name, an IPv4 address or an IPv6 address in brackets.',
    );
  }
  const [, host, portText] = match;
  if (host === '') fail('the host is missing.');
  if (host.startsWith('-')) fail('a host cannot start with "-" (ssh and docker would read it as an option).');
  if (host.startsWith('[')) {
    if (!isIPv6(host.slice(1, -1))) fail(`${shownValue(host)} is not an IPv6 address.`);
  } else if (!isIPv4(host) && (host.length > 253 || !host.split('.').every((label) => HOST_LABEL.test(label)))) {
    fail(`${shownValue(host)} is not a host name (dot-separated labels of letters, digits and dashes) or an IP address.`);
  }
  if (portText === undefined) return { host };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) fail(`the port ${shownValue(portText)} is not a port number (1 to 65535).`);
  return { host, port };
}

/** 127.0.0.0/8, ::1 (any spelling, bracketed or not) and localhost. */
function hostIsLoopback(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopback(host);
}

/** Checks a docker context name (docker's own rule); throws {@link InvalidEngineAddressError} naming `option`. */
/**
 * The container engines a node can run on. Docker is the default; Podman (rootful, as minikube's podman driver runs
 * it) is reached with its own CLI. How each one is driven is the operations' engine adapter's business.
 */
export const ENGINE_KINDS = ['docker', 'podman'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];
export const DEFAULT_ENGINE_KIND: EngineKind = 'docker';

/** The engine's name as messages show it. */
export function engineKindName(kind: EngineKind | undefined): string {
  return kind === 'podman' ? 'Podman' : 'Docker';
}

/** Checks an `--engine` value (surrounding whitespace ignored, case-sensitive); throws {@link InvalidEngineAddressError}. */
export function checkEngineKind(input: string, option = '--engine'): EngineKind {
  const kind = input.trim();
  if (!(ENGINE_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidEngineAddressError(`Invalid ${option} ${shownValue(kind)}: give one of ${ENGINE_KINDS.join(', ')}.`);
  }
  return kind as EngineKind;
}

/**
 * Checks that an engine address (parsed) suits the engine kind: Podman is reached at a unix socket of this machine
 * (`podman --url unix:///run/podman/podman.sock`). A remote Podman is refused: its ssh URLs need the socket's path,
 * which the addresses taken here have not, and its tcp API has no TLS. Throws {@link InvalidEngineAddressError}.
 */
export function checkAddressForEngine(kind: EngineKind | undefined, address: EngineAddress, option = '--dockerHost'): void {
  if (kind !== 'podman' || address.scheme === 'unix') return;
  throw new InvalidEngineAddressError(
    `Invalid ${option} ${shownValue(address.address)} for Podman: a node on Podman is reached at a unix socket of this machine (podman --url), e.g. unix:///run/podman/podman.sock. A remote Podman (ssh:// needs the socket's path, tcp:// has no TLS) is not supported: run the operations on the Podman machine.`,
  );
}

export function checkDockerContext(input: string, option = '--dockerContext'): string {
  const context = input.trim();
  if (!DOCKER_CONTEXT.test(context)) {
    throw new InvalidEngineAddressError(
      `Invalid ${option} ${shownValue(context)}: a docker context name is letters, digits, ".", "_", "+" and "-", starting with a letter or digit (docker context ls lists yours).`,
    );
  }
  return context;
}
