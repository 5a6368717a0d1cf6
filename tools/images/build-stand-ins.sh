#!/usr/bin/env bash
# Builds, without any container registry, the local images that stand in for the ones this machine cannot pull:
#   nx-kubelet/debian:bookworm       a Debian rootfs from debootstrap, imported with `docker import`
#   nx-kubelet/kicbase-stand-in:<v> a kicbase stand-in: systemd as PID 1, Docker 26, curl, python3 (for the stand-in
#                                    kubelet and cri-dockerd in stand-in-binaries/). Tagged under the project's own
#                                    name, never as the real gcr.io/k8s-minikube/kicbase: tests pass it to the
#                                    generator with --kicbaseImage. A gcr.io tag an older version of this script left
#                                    on a stand-in is removed.
#   nx-kubelet/kicbase-like:<v>      a kicbase stand-in that behaves like kicbase (its entrypoint's steps, Docker at the API
#                                    level of the release: v0.0.49/v0.0.50 with Docker 29's API floor 1.44), built by
#                                    build-kicbase-like.sh; the conformance tests run on it
#   nx-kubelet/engine-docker28:sid   not a stand-in but a test engine: Docker 28 with the containerd image store from
#                                    Debian sid (tools/docker-engine/docker28-engine.js prepare).
# Idempotent: an image is rebuilt only when its inputs change. Usage: build-stand-ins.sh [kicbase-version ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${NX_KUBELET_CACHE:-/var/cache/nx-kubelet}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(v0.0.47)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# Debian archive URL as apt on this machine is configured (the only package source reachable here).
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}

debian_image=nx-kubelet/debian:bookworm
if ! docker image inspect "$debian_image" >/dev/null 2>&1; then
  rootfs_tar="$cache/debian-bookworm-minbase.tar"
  if [ ! -s "$rootfs_tar" ]; then
    echo "stand-ins: debootstrap bookworm from $mirror (about a minute)"
    command -v debootstrap >/dev/null || as_root apt-get install -y -qq debootstrap >/dev/null
    rootfs=$(mktemp -d)
    as_root debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    as_root mkdir -p "$cache"
    as_root tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.tmp" .
    as_root mv "$rootfs_tar.tmp" "$rootfs_tar"
    as_root rm -rf "$rootfs"
  fi
  docker import --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$debian_image" >/dev/null
  echo "stand-ins: imported $debian_image"
fi

# The stand-in's inputs, hashed: an unchanged stand-in is not rebuilt.
inputs_hash=$(cat "$here"/kicbase-stand-in/* | sha256sum | cut -c1-16)
for version in "${versions[@]}"; do
  tag="nx-kubelet/kicbase-stand-in:$version"
  # Older runs tagged the stand-in as the real image; remove that tag (only from an image that is our stand-in).
  shadow="gcr.io/k8s-minikube/kicbase:$version"
  if [ -n "$(image_label "$shadow" org.nx-kubelet.stand-in)" ]; then
    docker image rm "$shadow" >/dev/null
    echo "stand-ins: removed the old tag $shadow (a stand-in must not shadow the real image)"
  fi
  if [ "$(image_label "$tag" org.nx-kubelet.stand-in)" = "$inputs_hash" ]; then
    echo "stand-ins: $tag is up to date"
    continue
  fi
  echo "stand-ins: building $tag (a local stand-in for minikube's kicbase)"
  docker build --quiet --label "org.nx-kubelet.stand-in=$inputs_hash" --build-arg "BASE=$debian_image" --build-arg "DEBIAN_MIRROR=$mirror" \
    --tag "$tag" "$here/kicbase-stand-in" >/dev/null
done

# The kicbase-like stand-ins (tools/images/kicbase-like, build-kicbase-like.sh): about 3.5 min the first time, cached
# by their inputs afterwards.
"$here/build-kicbase-like.sh"

# The test engine Docker 28 with the containerd image store (engine-docker28.test.ts): Debian sid's docker.io and
# containerd in a debootstrapped root filesystem, imported as nx-kubelet/engine-docker28:sid (a few minutes the first
# time, cached by its package list afterwards). See tools/docker-engine/docker28-engine.js.
as_root "$(command -v node)" "$here/../docker-engine/docker28-engine.js" prepare
