/**
 * The default versions each nx-kubelet release generated nodes with. A release that changes DEFAULT_VERSIONS adds
 * its entry here and a version migration (`update-x-y-z/move-to-default-versions`, built on moveNodesOnDefaults)
 * that moves the nodes still on the previous defaults; a test fails until both exist.
 */
export interface Defaults {
  kubernetes: string;
  criDockerd: string;
  kicbase: string;
}

export const RELEASED_DEFAULTS: readonly { release: string; defaults: Defaults }[] = [
  { release: '0.1.0', defaults: { kubernetes: 'v1.34.0', criDockerd: 'v0.3.21', kicbase: 'v0.0.47' } },
  { release: '0.2.0', defaults: { kubernetes: 'v1.34.0', criDockerd: 'v0.3.21', kicbase: 'v0.0.47' } },
  // 0.3.0: Kubernetes at the newest known 1.34 patch ("v1.34" is a release line; patches carry the security fixes).
  { release: '0.3.0', defaults: { kubernetes: 'v1.34.11', criDockerd: 'v0.3.21', kicbase: 'v0.0.47' } },
  // 0.4.0: the core and node operations moved to the kubelet-node package; the defaults did not change.
  { release: '0.4.0', defaults: { kubernetes: 'v1.34.11', criDockerd: 'v0.3.21', kicbase: 'v0.0.47' } },
];

/** The defaults a release generated with. */
export function defaultsOf(release: string): Defaults {
  const entry = RELEASED_DEFAULTS.find((candidate) => candidate.release === release);
  if (!entry) throw new Error(`nx-kubelet: no released defaults recorded for ${release}`);
  return entry.defaults;
}
