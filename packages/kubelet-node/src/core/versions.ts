/** Parsing and comparing the version strings users type (`1.35`, `v1.35.2`, `0.3.21`, `1.24.9`). Pure functions. */

export interface ParsedVersion {
  major: number;
  minor: number;
  /** Undefined when only `major.minor` was given. */
  patch?: number;
  /** Pre-release suffix without the dash (`rc.1`), if any. */
  preRelease?: string;
}

const VERSION_PATTERN = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;

/**
 * Parses `1.35`, `v1.35`, `1.35.2`, `v1.35.2`, `v1.37.0-rc.1`; returns undefined for anything else, also when a number
 * is not exact as a JavaScript number (beyond Number.MAX_SAFE_INTEGER it would be silently rounded).
 */
export function parseVersion(input: string): ParsedVersion | undefined {
  const match = VERSION_PATTERN.exec(input.trim());
  if (!match) return undefined;
  const [, major, minor, patch, preRelease] = match;
  if (preRelease !== undefined && patch === undefined) return undefined;
  if (![major, minor, patch].every((part) => part === undefined || Number.isSafeInteger(Number(part)))) return undefined;
  return {
    major: Number(major),
    minor: Number(minor),
    patch: patch === undefined ? undefined : Number(patch),
    preRelease,
  };
}

/** `v1.35.2` (always with the `v` and a patch; pre-release kept). */
export function formatTag(version: ParsedVersion & { patch: number }): string {
  return `v${version.major}.${version.minor}.${version.patch}${version.preRelease ? `-${version.preRelease}` : ''}`;
}

export function minorOf(version: ParsedVersion): string {
  return `${version.major}.${version.minor}`;
}

/**
 * Compares two versions; a missing patch counts as 0. Pre-releases sort before their release.
 * Returns a negative number, zero or a positive number like `Array.prototype.sort` expects.
 */
export function compareVersions(a: ParsedVersion, b: ParsedVersion): number {
  const diff = a.major - b.major || a.minor - b.minor || (a.patch ?? 0) - (b.patch ?? 0);
  if (diff !== 0) return diff;
  if (a.preRelease === b.preRelease) return 0;
  if (a.preRelease === undefined) return 1;
  if (b.preRelease === undefined) return -1;
  return a.preRelease < b.preRelease ? -1 : 1;
}

/** Compares two `major.minor` strings such as Kubernetes minors. */
export function compareMinors(a: string, b: string): number {
  return compareVersions(parseVersion(a)!, parseVersion(b)!);
}

/**
 * True when the Go the user asked for is at least `minimum`. A Go given as `1.24` means the `golang:1.24` image,
 * i.e. the newest 1.24 patch, so it satisfies any `1.24.x` minimum.
 */
export function goSatisfies(requested: ParsedVersion, minimum: ParsedVersion): boolean {
  if (requested.patch === undefined) {
    return requested.major > minimum.major || (requested.major === minimum.major && requested.minor >= minimum.minor);
  }
  return compareVersions(requested, minimum) >= 0;
}

/** The minor before `minor` within its major: `1.35` → `1.34`. */
export function previousMinor(minor: string): string {
  const [major, number] = minor.split('.').map(Number);
  if (!Number.isInteger(major) || !Number.isInteger(number) || number < 1) throw new Error(`nx-kubelet: no minor before "${minor}"`);
  return `${major}.${number - 1}`;
}
