#!/usr/bin/env bash
# Installs and starts a Docker 26 engine (Compose v2, BuildKit) from Debian trixie on a bookworm machine, idempotently.
# Why trixie: bookworm's docker.io 20.10 cannot start privileged containers on VMs without CAP_SYS_RESOURCE
# (runc: "unable to apply caps"); see ../shared/reference/docker-engine.md. Re-runs take about 2 s.
set -euo pipefail

log=${DOCKERD_LOG:-/var/log/nx-kubelet-dockerd.log}
want_major=26

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Empty when no daemon answers (never a failure: under `set -e -o pipefail` that would end the script silently).
engine_major() { { docker version --format '{{.Server.Version}}' 2>/dev/null || true; } | cut -d. -f1; }

install_packages() {
  if dpkg-query -W -f='${Version}' docker.io 2>/dev/null | grep -q "^${want_major}\." \
     && dpkg-query -W docker-compose docker-buildx systemd debootstrap >/dev/null 2>&1; then
    return 0
  fi
  echo "docker-engine: installing docker.io ${want_major}, docker-compose v2, docker-buildx from Debian trixie"
  as_root tee /etc/apt/sources.list.d/nx-kubelet-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  as_root tee /etc/apt/preferences.d/nx-kubelet-trixie >/dev/null <<'PREF'
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: docker.io docker-cli docker-buildx docker-compose
Pin: release n=trixie
Pin-Priority: 990
PREF
  # Keep the package's init script from starting a daemon; we start dockerd ourselves below.
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    docker.io docker-cli docker-buildx docker-compose systemd debootstrap >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
}

# Marks the dockerd this script started: only that one may ever be stopped by it.
marker=/var/run/nx-kubelet-dockerd.pid

start_daemon() {
  local running
  running=$(engine_major)
  if [ "$running" = "$want_major" ]; then return 0; fi
  if [ -n "$running" ]; then
    # A daemon someone else started is never stopped: use it when it is new enough (privileged containers on VMs
    # without CAP_SYS_RESOURCE and cri-dockerd 0.4 need Docker 23+), say what to do otherwise.
    if [ "$running" -ge 23 ] && ! { [ -f "$marker" ] && [ "$(cat "$marker")" = "$(cat /var/run/docker.pid 2>/dev/null)" ]; }; then
      echo "docker-engine: using the Docker ${running} daemon that is already running (not started by this script)"
      return 0
    fi
    if ! { [ -f "$marker" ] && [ "$(cat "$marker")" = "$(cat /var/run/docker.pid 2>/dev/null)" ]; }; then
      echo "docker-engine: a Docker ${running} daemon is running that this script did not start; it is too old for the tests (Docker 23 or newer is needed). Stop it yourself (e.g. sudo systemctl stop docker) and run this again." >&2
      exit 1
    fi
    echo "docker-engine: restarting the Docker ${running} daemon this script started as ${want_major}"
    as_root kill "$(cat /var/run/docker.pid)" || true
    sleep 3
  fi
  # The Debian docker.io package puts dockerd in /usr/sbin; the machine's own /usr/local/bin/docker is a client only.
  # fd 9 may hold a caller's lock; dockerd must not inherit it.
  as_root setsid nohup /usr/sbin/dockerd --pidfile /var/run/docker.pid >>"$log" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 90); do
    if [ "$(engine_major)" = "$want_major" ]; then
      as_root cp /var/run/docker.pid "$marker"
      return 0
    fi
    sleep 1
  done
  echo "docker-engine: dockerd did not answer within 90 s; last lines of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
}

install_packages
# The fleet test's second engine runs in a network namespace of its own (tools/docker-engine/second-engine.js).
if ! command -v ip >/dev/null 2>&1 || ! command -v nsenter >/dev/null 2>&1; then
  echo "docker-engine: installing iproute2 and util-linux (ip, nsenter) for the second test engine"
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends iproute2 util-linux >/dev/null
fi
# /usr/bin/docker (Debian's 26 client, with the compose and buildx plugins) must win over /usr/local/bin/docker.
export PATH=/usr/bin:$PATH
start_daemon
docker compose version >/dev/null
echo "docker-engine: $(docker version --format 'engine {{.Server.Version}}'), $(docker compose version --short | sed 's/^/compose /')"
