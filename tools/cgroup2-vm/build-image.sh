#!/usr/bin/env bash
# Builds (or finds cached) the cgroup v2 test VM's image: Debian trixie's kernel, systemd and docker.io 26 on a
# debootstrapped root filesystem, in /var/cache/nx-kubelet/cgroup2-vm/<key>/ keyed by the package list and the
# recipe (tools/cgroup2-vm/cgroup2-vm.js). Installs qemu-system-x86, qemu-utils and debootstrap with apt-get when
# they are missing. Fails with the reason (qemu, debootstrap, the Debian mirror, the kernel); never skips.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
  exec "$(command -v node)" "$here/cgroup2-vm.js" prepare
else
  exec sudo "$(command -v node)" "$here/cgroup2-vm.js" prepare
fi
