import { buildTargetOptions, withBuildTargetOptions } from './run-executor';

describe('buildTargetOptions (what up builds with, besides its own options)', () => {
  it("takes the build options set on the project's nx-kubelet:build target, whatever it is called, and its configuration", () => {
    const targets = {
      image: {
        executor: 'nx-kubelet:build',
        options: { platform: 'linux/arm64', buildArgs: { KUBE_VERSION_GO: '1.25' }, dockerHost: 'tcp://127.0.0.1:2375', unknown: 1 },
        configurations: { ci: { noCache: true, platform: 'linux/amd64' } },
      },
      start: { executor: 'nx-kubelet:up', options: { pull: true } },
    };
    // Only how the image is built: never the engine, never anything else of the build target's.
    expect(buildTargetOptions(targets)).toEqual({ platform: 'linux/arm64', buildArgs: { KUBE_VERSION_GO: '1.25' } });
    expect(buildTargetOptions(targets, 'ci')).toEqual({ platform: 'linux/amd64', buildArgs: { KUBE_VERSION_GO: '1.25' }, noCache: true });
    expect(buildTargetOptions(targets, 'other')).toEqual({ platform: 'linux/arm64', buildArgs: { KUBE_VERSION_GO: '1.25' } });
  });

  it('is empty without a build target or options', () => {
    expect(buildTargetOptions(undefined)).toEqual({});
    expect(buildTargetOptions({ up: { executor: 'nx-kubelet:up' } })).toEqual({});
    expect(buildTargetOptions({ build: { executor: 'nx-kubelet:build' } })).toEqual({});
  });
});

describe('withBuildTargetOptions', () => {
  it("keeps a flag the build target turns on over up's schema default, merges build args, and lets up's own values win", () => {
    const own = { noCache: false, force: false, pull: false, platform: 'linux/amd64', buildArgs: { A: 'up' }, timeout: 60 };
    const build = { noCache: true, platform: 'linux/arm64', buildArgs: { A: 'build', B: 'build' } };
    expect(withBuildTargetOptions(own, build)).toEqual({
      noCache: true,
      force: false,
      pull: false,
      platform: 'linux/amd64',
      buildArgs: { A: 'up', B: 'build' },
      timeout: 60,
    });
    expect(withBuildTargetOptions({ timeout: 60 }, build)).toEqual({ ...build, timeout: 60 });
    expect(withBuildTargetOptions(own, {})).toEqual(own);
  });
});
