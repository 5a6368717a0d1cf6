#!/usr/bin/env bash
# Builds nx-kubelet's kicbase-like stand-ins (tools/images/kicbase-like/, see its Dockerfile), one tag per kicbase
# release it stands for, under the project's own name (never as gcr.io/k8s-minikube/kicbase):
#   nx-kubelet/kicbase-like:v0.0.50, :v0.0.49  Docker 29's API floor: DOCKER_MIN_API_VERSION=1.44 in dockerd's environment
#   nx-kubelet/kicbase-like:v0.0.47            no floor (Docker 28's own, 1.24)
# on Debian bookworm (nx-kubelet/debian:bookworm, which build-stand-ins.sh imports first) with sid's docker.io 28.5 and
# containerd 2.x. Idempotent: a tag is rebuilt only when its inputs (the folder's files, its floor) change; the tags
# share every layer but the floor's drop-in. Usage: build-kicbase-like.sh [version=floor ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(v0.0.50=1.44 v0.0.49=1.44 v0.0.47=)

image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
mirror=${NX_KUBELET_DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}
base=nx-kubelet/debian:bookworm
docker image inspect "$base" >/dev/null 2>&1 || { echo "kicbase-like: $base is missing: run tools/images/build-stand-ins.sh" >&2; exit 1; }

files_hash=$(cd "$here/kicbase-like" && sha256sum Dockerfile entrypoint cri-docker.socket cri-docker.service | sha256sum | cut -c1-16)
for release in "${releases[@]}"; do
  version=${release%%=*}
  floor=${release#*=}
  tag="nx-kubelet/kicbase-like:$version"
  key="$files_hash-${floor:-none}"
  if [ "$(image_label "$tag" org.nx-kubelet.kicbase-like)" = "$key" ]; then
    echo "kicbase-like: $tag is up to date"
    continue
  fi
  echo "kicbase-like: building $tag (minimum Docker API ${floor:-of Docker 28 itself}; a few minutes the first time)"
  started=$(date +%s)
  docker build --quiet --label "org.nx-kubelet.kicbase-like=$key" --label "org.nx-kubelet.kicbase-version=$version" \
    --build-arg "BASE=$base" --build-arg "DEBIAN_MIRROR=$mirror" --build-arg "DOCKER_MIN_API_VERSION=$floor" \
    --tag "$tag" "$here/kicbase-like" >/dev/null
  echo "kicbase-like: built $tag in $(($(date +%s) - started)) s"
done
