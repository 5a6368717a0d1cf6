#!/bin/bash
# The engine container's command: Podman's limits for its containers, then Podman's Docker-compatible API service.
# Podman (rootful) raises RLIMIT_NOFILE and RLIMIT_NPROC of each container to 1048576, above this machine's hard
# limits; without CAP_SYS_RESOURCE (these VMs) crun then fails with "setrlimit RLIMIT_NOFILE: Operation not permitted".
# Containers and build steps get the engine's own hard limits instead, as Docker's inherit dockerd's. Written before
# the service starts: it reads containers.conf once.
set -euo pipefail
printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' "$(ulimit -Hn)" "$(ulimit -Hn)" "$(ulimit -Hu)" "$(ulimit -Hu)" \
  > /etc/containers/containers.conf.d/60-nx-kubelet-ulimits.conf
# `podman compose` (its provider: trixie's docker-compose v2) talks to this socket.
exec podman system service --time=0 unix:///run/podman/podman.sock
