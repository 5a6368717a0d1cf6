#!/usr/bin/env bash
# Installs Debian's chromium (headless) when it is missing: the matrix test opens the HTML report in it, as a person
# would, and checks what it shows (generators/tests/matrix.test.ts). Idempotent; fails with the reason, never skips.
set -euo pipefail
say() { echo "chromium: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null; then
  say "installing Debian's chromium (headless use only)"
  { as_root apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1 \
    || { as_root apt-get update -qq >/dev/null && as_root apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }; } \
    || { say "ERROR: could not install Debian's chromium (apt-get failed): the matrix report test needs it."; exit 1; }
fi
version=$(chromium --version 2>/dev/null) || { say "ERROR: chromium is installed but does not start (chromium --version failed)."; exit 1; }
say "$version"
