#!/usr/bin/env bash
# Installs and starts a rootful Podman 5.4 engine (Debian trixie's) for the tests, idempotently; re-runs take seconds.
#
# Why in a container of its own: trixie's podman, conmon, crun and netavark need glibc >= 2.38 (netavark 2.39), and
# installing them on this bookworm host (glibc 2.36) would upgrade libc6, base-files (the host would then say it is
# Debian 13), util-linux and glib with them. Docker 28 (issue 17) runs in a container for the same reason. So Podman
# runs rootful in a privileged container of the host Docker, `nx-kubelet-podman`, as minikube's podman driver runs it
# (rootful, --cgroup-manager cgroupfs), with no systemd: cgroupfs, events and logs in files (containers.conf).
#   - its store is the volume nx-kubelet-podman-storage (native overlay on the host's ext4);
#   - the host's /tmp and this repository are mounted at the same paths, so a node folder there (the tests'
#     workspaces are in /tmp) is the same path for `podman build` and `podman compose`;
#   - its containers get the engine's hard limits of open files and processes (service.sh: these VMs lack
#     CAP_SYS_RESOURCE, and Podman's defaults are above them);
#   - `podman system service` serves Podman's Docker-compatible API on /run/podman/podman.sock in the container (what
#     `podman compose`, whose provider is trixie's docker-compose v2, talks to), also at /run/nx-kubelet-podman/ on
#     the host;
#   - /usr/local/bin/podman on the host is a wrapper (written here, marked) that runs the engine's own podman CLI
#     with `docker exec -i`, in the caller's directory: node operations call `podman ...` as on a Podman machine.
# Then the images the tests need are copied from the host Docker into Podman's store (`docker save | podman load`):
# the kicbase stand-ins and the real-binaries pause and workload images (when they exist).
# It fails, with the reason, when something is missing; it never removes what it did not create.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${NX_KUBELET_CACHE:-/var/cache/nx-kubelet}
engine=nx-kubelet-podman
storage=nx-kubelet-podman-storage
wrapper=/usr/local/bin/podman
marker='# nx-kubelet-podman-wrapper'
want_major=5

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
fail() { echo "podman-engine: $*" >&2; exit 1; }
# The host's Docker, whatever DOCKER_HOST or context the caller has.
hdocker() { env -u DOCKER_HOST -u DOCKER_CONTEXT /usr/bin/docker --host unix:///var/run/docker.sock "$@"; }
image_label() { hdocker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

[ -x /usr/bin/docker ] || fail "/usr/bin/docker (Docker 26 from trixie) is missing: run tools/docker-engine/start.sh first."
hdocker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || fail "the host Docker engine does not answer on /var/run/docker.sock: run tools/docker-engine/start.sh first."

mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}

# 1. A trixie base image (debootstrap, cached as a tarball like the bookworm one of tools/images).
base=nx-kubelet/debian:trixie
if ! hdocker image inspect "$base" >/dev/null 2>&1; then
  rootfs_tar="$cache/debian-trixie-minbase.tar"
  if [ ! -s "$rootfs_tar" ]; then
    command -v debootstrap >/dev/null || fail "debootstrap is missing: run tools/docker-engine/start.sh first (it installs it)."
    [ -e /usr/share/debootstrap/scripts/trixie ] || fail "this debootstrap has no script for trixie."
    echo "podman-engine: debootstrap trixie from $mirror (about a minute)"
    rootfs=$(mktemp -d)
    as_root debootstrap --variant=minbase trixie "$rootfs" "$mirror" >/dev/null \
      || fail "debootstrap trixie failed (is $mirror reachable?)"
    as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    as_root mkdir -p "$cache"
    as_root tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.tmp" .
    as_root mv "$rootfs_tar.tmp" "$rootfs_tar"
    as_root rm -rf "$rootfs"
  fi
  hdocker import --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$base" >/dev/null
  echo "podman-engine: imported $base"
fi

# 2. The engine's image: podman & co. from trixie, our configuration. Rebuilt only when its inputs change.
image=nx-kubelet/podman-engine:$want_major
inputs_hash=$(cat "$here"/Dockerfile "$here"/*.conf "$here"/service.sh | sha256sum | cut -c1-16)
if [ "$(image_label "$image" org.nx-kubelet.podman-engine)" != "$inputs_hash" ]; then
  echo "podman-engine: building $image (podman, crun, netavark, docker-compose from trixie; about a minute)"
  hdocker build --quiet --label "org.nx-kubelet.podman-engine=$inputs_hash" --build-arg "BASE=$base" \
    --build-arg "DEBIAN_MIRROR=$mirror" --tag "$image" "$here" >/dev/null || fail "building $image failed (above)."
fi

# 3. The engine container: started when it does not run, recreated when its image changed. Its store survives.
running_image=$(hdocker inspect --format '{{.Config.Image}} {{.Image}} {{.State.Running}}' "$engine" 2>/dev/null || true)
want_id=$(hdocker image inspect --format '{{.Id}}' "$image")
if [ -n "$running_image" ] && [ "$(hdocker inspect --format '{{index .Config.Labels "org.nx-kubelet.podman-engine"}}' "$engine")" != yes ]; then
  fail "a container named $engine exists that this script did not create; remove or rename it."
fi
if [ -n "$running_image" ] && { [ "$(echo "$running_image" | cut -d' ' -f2)" != "$want_id" ] \
  || [ "$(hdocker inspect --format '{{index .Config.Labels "org.nx-kubelet.podman-engine.repo"}}' "$engine")" != "$repo" ]; }; then
  echo "podman-engine: recreating $engine (new image or another repository folder; its store, volume $storage, stays)"
  hdocker rm -f "$engine" >/dev/null
  running_image=
fi
if [ -z "$running_image" ]; then
  as_root mkdir -p /run/nx-kubelet-podman
  hdocker run -d --name "$engine" --hostname "$engine" --label org.nx-kubelet.podman-engine=yes \
    --label "org.nx-kubelet.podman-engine.repo=$repo" --privileged --cgroupns host --init \
    --volume "$storage:/var/lib/containers" --volume /tmp:/tmp --volume "$repo:$repo" \
    --volume /run/nx-kubelet-podman:/run/podman \
    "$image" >/dev/null || fail "could not start the engine container $engine (above)."
elif [ "$(echo "$running_image" | cut -d' ' -f3)" != true ]; then
  hdocker start "$engine" >/dev/null || fail "could not start the engine container $engine (above)."
fi

# 4. The host's podman: the engine's CLI through docker exec. Ours is marked; someone else's podman is never replaced.
if [ -e "$wrapper" ] && ! grep -q "^$marker" "$wrapper"; then
  fail "$wrapper exists and is not this script's wrapper (a podman installed on this host?); it is left alone. Remove it or use that podman."
fi
wrapper_text=$(cat <<WRAP
#!/bin/sh
$marker (written by nx-kubelet's tools/podman-engine/start.sh; remove the container $engine and this file to undo)
# The podman CLI of the rootful Podman 5 engine in the container $engine, run in the caller's directory (the host's
# /tmp and $repo are mounted there at the same paths; elsewhere it runs in /). A terminal is passed on when there is one.
tty=
if [ -t 0 ] && [ -t 1 ]; then tty=-t; fi
case "\$PWD" in /tmp|/tmp/*|$repo|$repo/*) dir=\$PWD ;; *) dir=/ ;; esac
exec env -u DOCKER_HOST -u DOCKER_CONTEXT /usr/bin/docker --host unix:///var/run/docker.sock exec -i \$tty -w "\$dir" $engine podman "\$@"
WRAP
)
if [ "$(cat "$wrapper" 2>/dev/null)" != "$wrapper_text" ]; then
  printf '%s\n' "$wrapper_text" | as_root tee "$wrapper" >/dev/null
  as_root chmod 755 "$wrapper"
fi

# 5. Wait until the engine and its API answer.
version=
for _ in $(seq 1 60); do
  version=$(podman version --format '{{.Client.Version}}' 2>/dev/null || true)
  [ -n "$version" ] && hdocker exec "$engine" test -S /run/podman/podman.sock && break
  sleep 1
done
[ -n "$version" ] || { hdocker logs --tail 30 "$engine" >&2 || true; fail "podman in $engine did not answer within 60 s (its log above)."; }
[ "${version%%.*}" = "$want_major" ] || fail "podman $version answers; Podman $want_major is needed."
podman compose version >/dev/null 2>&1 || fail "podman compose does not work in $engine: $(podman compose version 2>&1 | tail -n 3)"

# 6. The images the tests need, from the host Docker into Podman's store (only those missing or changed).
images=()
for tag in $(hdocker images --format '{{.Repository}}:{{.Tag}}' 'nx-kubelet/kicbase-stand-in'); do images+=("$tag"); done
[ ${#images[@]} -gt 0 ] || fail "no nx-kubelet/kicbase-stand-in image in the host Docker: run tools/images/build-stand-ins.sh first."
index="$cache/real-binaries/index.json"
if [ -s "$index" ]; then
  for tag in $(node -e 'const i=require(process.argv[1]); console.log([...(i.pauseImages||[]), i.workloadImage].filter(Boolean).join(" "))' "$index"); do
    hdocker image inspect "$tag" >/dev/null 2>&1 && images+=("$tag")
  done
fi
for tag in "${images[@]}"; do
  id=$(hdocker image inspect --format '{{.Id}}' "$tag")
  # docker save keeps the image's config, so its ID is the same in Podman's store when nothing changed.
  have=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  [ "sha256:$have" = "$id" ] || [ "$have" = "$id" ] && continue
  echo "podman-engine: loading $tag from the host Docker"
  hdocker save "$tag" | podman load -q >/dev/null || fail "docker save $tag | podman load failed."
done
echo "podman-engine: podman $version (rootful, in container $engine), $(podman compose version --short 2>/dev/null | sed 's/^/compose /'), ${#images[@]} images"
