#!/usr/bin/env bash
# Builds the REAL binaries and images the conformance tests run (generators/tests/conformance.test.ts), from the Go
# module proxy with this machine's Go, and caches them by version so that a second run takes seconds:
#
#   kubelet       k8s.io/kubernetes/cmd/kubelet of each chosen Kubernetes version, static (CGO_ENABLED=0) and
#                 version-stamped like hack/lib/version.sh does (`kubelet --version` prints the true version).
#                 k8s.io/kubernetes's go.mod points its staging modules (k8s.io/api, …) at ./staging/…, which its
#                 module zip lacks: a throwaway module requires k8s.io/kubernetes vX.Y.Z and replaces each staging
#                 module with its v0.Y.Z release.
#   cri-dockerd   the oldest and the newest release the module proxy serves within the version matrix (its module has
#                 its own replace block, so it is built as the main module, in a copy of its downloaded source).
#   pause image   build/pause/linux/pause.c of the newest built Kubernetes (gcc -Os -static, FROM scratch,
#                 USER 65535:65535), tagged registry.k8s.io/pause:<tag> with every pause tag the matrix and the built
#                 versions use: the kubelet and cri-dockerd ask for exactly these names.
#   workload      nx-kubelet/busybox:<version>, a rootfs of Debian's busybox-static (docker import): the project's own
#                 name, never a real image's.
#
# Then writes $cache/index.json (what was built, where, and the image names), which the tests read.
#
# Environment:
#   NX_KUBELET_REAL_CACHE        cache folder (default /var/cache/nx-kubelet/real-binaries)
#   NX_KUBELET_REAL_VERSIONS     "oldest,default,newest" (default): the oldest minor of the version matrix at its
#                                matrix patch (v1.29.15), the matrix's default version itself (v1.34.11; asked for
#                                on its own, since the proxy's version list may stop before it) and the newest
#                                release the proxy serves; any subset of the three ("default,newest"); "all": the
#                                newest patch of every minor the proxy serves from 1.29; "matrix": every minor of the
#                                version matrix (KUBERNETES_MINORS) at its latestPatch (what `npm run conformance:all`
#                                builds); or explicit versions ("v1.35.4 v1.36.3").
#   NX_KUBELET_REAL_CRI_DOCKERD  "oldest,newest" (default) or explicit versions ("v0.3.17 v0.4.3").
#   NX_KUBELET_REAL_INDEX        the index file to write (default $cache/index.json, the one the tests read unless
#                                they are given another): a run for other versions need not replace the usual index.
#   GOPROXY                      as usual; GOTOOLCHAIN is forced to local (never download another toolchain).
#
# Fails (non-zero, with the reason) when Go, gcc or the module proxy is missing or a build fails. It never skips
# and never substitutes a stand-in.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${NX_KUBELET_REAL_CACHE:-/var/cache/nx-kubelet/real-binaries}
versions_spec=${NX_KUBELET_REAL_VERSIONS:-oldest,default,newest}
cri_spec=${NX_KUBELET_REAL_CRI_DOCKERD:-oldest,newest}
index_file=${NX_KUBELET_REAL_INDEX:-$cache/index.json}
matrix="$repo/packages/kubelet-node/src/core/version-matrix.ts"
# Bump when the recipe changes: cached results with another recipe are rebuilt.
recipe=1

say() { echo "real-binaries: $*" >&2; }
# A kubelet build that dies leaves its reason in $cache/kubelet/<version>.failed (conformance-all.js --built-only
# reports it); a later successful build removes it.
failing_kubelet=""
die() {
  echo "real-binaries: ERROR: $*" >&2
  if [ -n "$failing_kubelet" ]; then mkdir -p "$cache/kubelet" && printf '%s\n' "$*" >"$cache/kubelet/$failing_kubelet.failed" 2>/dev/null || true; fi
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---- prerequisites: loud failures, never a skip -------------------------------------------------------------------
command -v go >/dev/null || die "Go is not installed (no 'go' on PATH). Install Go (>= the go directive of the Kubernetes go.mod being built) and re-run."
command -v docker >/dev/null || die "the docker CLI is missing (run tools/docker-engine/start.sh)."
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "the Docker daemon is not reachable (run tools/docker-engine/start.sh)."
[ -f "$matrix" ] || die "version matrix $matrix not found."

if [ ! -d "$cache" ] || [ ! -w "$cache" ]; then as_root mkdir -p "$cache" && as_root chown "$(id -u):$(id -g)" "$cache"; fi
# The script's own Go caches: a cold run is really cold, a warm one reuses compiled packages across versions.
export GOMODCACHE=${NX_KUBELET_REAL_GOMODCACHE:-$cache/go/mod}
export GOCACHE=${NX_KUBELET_REAL_GOCACHE:-$cache/go/build}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOWORK=off
go_version=$(go env GOVERSION)

scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT

# `go list -m -versions` of a module, releases only, oldest first; dies with the reason when the proxy does not answer.
served_versions() {
  local out
  if ! out=$(cd "$scratch" && go list -m -versions "$1" 2>&1); then
    die "the Go module proxy did not answer for $1 (GOPROXY=$(go env GOPROXY)): $out"
  fi
  echo "$out" | tr ' ' '\n' | tail -n +2 | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' | sort -V || true
}
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }
minor_of() { local v=${1#v}; echo "${v%.*}"; }  # v1.34.4 -> 1.34

# ---- which versions ------------------------------------------------------------------------------------------------
kube_served=$(served_versions k8s.io/kubernetes)
[ -n "$kube_served" ] || die "the module proxy serves no release of k8s.io/kubernetes."
newest_patch_of() { echo "$kube_served" | grep -E "^v${1//./\\.}\.[0-9]+$" | tail -n1; }
default_kube=$(sed -n "s/^ *kubernetes: '\(v[0-9.]*\)',.*/\1/p" "$matrix" | head -n1)
[ -n "$default_kube" ] || die "could not read DEFAULT_VERSIONS.kubernetes from $matrix."
default_minor=$(minor_of "$default_kube")

# A release the proxy serves when asked for it by name (its version list may stop earlier).
kube_is_served() { (cd "$scratch" && go list -m -json "k8s.io/kubernetes@$1" >/dev/null 2>&1); }
kube_versions=()
add_kube() { [[ " ${kube_versions[*]} " == *" $1 "* ]] || kube_versions+=("$1"); }
if [[ $versions_spec == all ]]; then
  for minor in $(echo "$kube_served" | sed -E 's/^v([0-9]+\.[0-9]+)\..*/\1/' | sort -uV); do
    version_ge "$minor" 1.29 && add_kube "$(newest_patch_of "$minor")"
  done
elif [[ $versions_spec == matrix ]]; then
  # Every row of the matrix at its latest patch, each asked for by name.
  for row in $(sed -n "s/.*minor: '\([0-9.]*\)', latestPatch: \([0-9]*\),.*/v\1.\2/p" "$matrix"); do
    kube_is_served "$row" || die "the module proxy does not serve k8s.io/kubernetes $row (a minor of the version matrix at its patch)."
    add_kube "$row"
  done
  [ ${#kube_versions[@]} -gt 0 ] || die "could not read the minors of $matrix."
elif [[ $versions_spec =~ ^(oldest|default|newest)(,(oldest|default|newest))*$ ]]; then
  if [[ $versions_spec == *oldest* ]]; then
    # The matrix's first row: its minor at the matrix's latest patch.
    oldest_row=$(sed -n "s/.*minor: '\([0-9.]*\)', latestPatch: \([0-9]*\),.*/v\1.\2/p" "$matrix" | head -n1)
    [ -n "$oldest_row" ] || die "could not read the oldest minor of $matrix."
    kube_is_served "$oldest_row" || die "the module proxy does not serve k8s.io/kubernetes $oldest_row (the oldest minor of the version matrix at its patch)."
    add_kube "$oldest_row"
  fi
  if [[ $versions_spec == *default* ]]; then
    kube_is_served "$default_kube" || die "the module proxy does not serve k8s.io/kubernetes $default_kube (the matrix's default version)."
    add_kube "$default_kube"
  fi
  [[ $versions_spec == *newest* ]] && add_kube "$(echo "$kube_served" | tail -n1)"
else
  read -r -a kube_versions <<<"${versions_spec//,/ }"
fi
[ ${#kube_versions[@]} -gt 0 ] || die "no Kubernetes version chosen (NX_KUBELET_REAL_VERSIONS=$versions_spec)."

# The oldest cri-dockerd the matrix allows for the chosen minors: the highest minCriDockerd among their rows.
cri_minimum=v0.0.0
for v in "${kube_versions[@]}"; do
  m=$(sed -n "s/.*minor: '$(minor_of "$v")'.*minCriDockerd: '\(v[0-9.]*\)'.*/\1/p" "$matrix" | head -n1)
  if [ -z "$m" ]; then  # a minor newer than the matrix: the newest row's minimum
    m=$(sed -n "s/.*minCriDockerd: '\(v[0-9.]*\)'.*/\1/p" "$matrix" | tail -n1)
  fi
  version_ge "$cri_minimum" "$m" || cri_minimum=$m
done
# This proxy may refuse cri-dockerd's version list (403) while serving single versions: then the candidates are the
# releases the matrix lists, each asked for on its own (oldest: upwards from the minimum; newest: downwards).
cri_candidates=$(sed -n "/CRI_DOCKERD_RELEASES/,/^];/s/.*version: '\(v[0-9.]*\)'.*/\1/p" "$matrix" | sort -V)
if cri_list=$(cd "$scratch" && go list -m -versions github.com/Mirantis/cri-dockerd 2>/dev/null); then
  cri_candidates=$(echo "$cri_list" | tr ' ' '\n' | tail -n +2 | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' | sort -V)
fi
cri_is_served() {
  local out
  out=$(cd "$scratch" && go list -m -json "github.com/Mirantis/cri-dockerd@$1" 2>&1) && return 0
  echo "$out" | grep -qE '403|404|410|not available|not found|unknown revision|invalid version' && return 1
  die "the Go module proxy did not answer for github.com/Mirantis/cri-dockerd@$1 (GOPROXY=$(go env GOPROXY)): $out"
}
cri_versions=()
case "$cri_spec" in
  oldest,newest | newest,oldest | oldest | newest)
    if [[ $cri_spec == *oldest* ]]; then
      v=""
      for c in $cri_candidates; do
        version_ge "$c" "$cri_minimum" || continue
        if cri_is_served "$c"; then v=$c; break; fi
        say "cri-dockerd $c is not served by the module proxy"
      done
      [ -n "$v" ] || die "the module proxy serves no cri-dockerd at or above the matrix minimum $cri_minimum."
      [ "$v" = "$cri_minimum" ] || say "cri-dockerd $cri_minimum (the matrix minimum) is not served; the oldest served above it is $v"
      cri_versions+=("$v")
    fi
    if [[ $cri_spec == *newest* ]]; then
      v=""
      for c in $(echo "$cri_candidates" | sort -rV); do
        if cri_is_served "$c"; then v=$c; break; fi
        say "cri-dockerd $c is not served by the module proxy"
      done
      [ -n "$v" ] || die "the module proxy serves no cri-dockerd release the matrix lists."
      [[ " ${cri_versions[*]} " == *" $v "* ]] || cri_versions+=("$v")
    fi ;;
  *) read -r -a cri_versions <<<"${cri_spec//,/ }" ;;
esac
say "Go $go_version; kubelet ${kube_versions[*]}; cri-dockerd ${cri_versions[*]}; cache $cache"

# `go mod download -json` of one module version; prints the JSON. Dies with go's own message.
download() {
  local out
  out=$(cd "$scratch" && go mod download -json "$1" 2>&1) || die "go mod download $1 failed: $out"
  if echo "$out" | grep -q '"Error"'; then die "go mod download $1 failed: $(echo "$out" | sed -n 's/.*"Error": *//p')"; fi
  echo "$out"
}
json_field() { sed -n "s/^\t\"$1\": \"\(.*\)\",\{0,1\}$/\1/p" | head -n1; }
# The go directive of a go.mod file; dies when the local Go is older.
go_directive() { sed -n 's/^go \([0-9.]*\).*/\1/p' "$1" | head -n1; }
require_go() {
  local need=$1 what=$2 have=${go_version#go}
  version_ge "$have" "$need" || die "$what needs Go >= $need (its go.mod), this machine has Go $have. Install a newer Go."
}

# Cached result: $dir/<binary> plus $dir/.built (recipe, Go, build seconds). Valid when the recipe and the
# --version output match.
cached() {  # dir binary expected-version-substring
  local printed
  [ -x "$1/$2" ] && [ -f "$1/.built" ] && grep -q "^recipe=$recipe$" "$1/.built" \
    && printed=$("$1/$2" --version 2>&1) && [[ $printed == *"$3"* ]]
}

declare -A kube_dirs=() kube_go=() kube_pause=() kube_seconds=() cri_seconds=() cri_go=()

build_kubelet() {
  local v=$1 dir="$cache/kubelet/$1" start info src gomod work minor patch staging ldflags date commit
  minor=$(minor_of "$v"); patch=${v##*.}
  failing_kubelet=$v
  info=$(download "k8s.io/kubernetes@$v")
  src=$(echo "$info" | json_field Dir)
  gomod="$src/go.mod"
  kube_dirs[$v]=$src
  kube_go[$v]=$(go_directive "$gomod")
  kube_pause[$v]=$(sed -n 's/^\s*PauseVersion\s*=\s*"\([^"]*\)".*/\1/p' "$src/cmd/kubeadm/app/constants/constants.go" | head -n1)
  if cached "$dir" kubelet "Kubernetes $v"; then
    failing_kubelet=""; rm -f "$cache/kubelet/$v.failed"
    kube_seconds[$v]=$(sed -n 's/^seconds=//p' "$dir/.built")
    say "kubelet $v: cached ($dir/kubelet)"
    return
  fi
  require_go "${kube_go[$v]}" "k8s.io/kubernetes $v"
  start=$(now)
  say "kubelet $v: building with Go $go_version (go.mod: go ${kube_go[$v]}); a cold build takes minutes"
  work="$scratch/kubelet-$v"
  mkdir -p "$work"
  staging="v0.${minor#*.}.$patch"
  {
    echo "// Throwaway module: builds k8s.io/kubernetes/cmd/kubelet $v with its staging modules at their $staging releases."
    echo "module nx-kubelet.local/real-kubelet"
    echo
    echo "go ${kube_go[$v]}"
    # The runtime behaviour Kubernetes chose for its binaries (godebug default=goX.Y) belongs to the main module.
    sed -n '/^godebug/p' "$gomod"
    echo
    echo "require k8s.io/kubernetes $v"
    echo
    echo "replace ("
    # ./staging/src/k8s.io/X -> k8s.io/X v0.Y.Z; any other (non-local) replacement of Kubernetes' is kept as it is.
    sed -n '/^replace (/,/^)/p; /^replace [^(]/p' "$gomod" | sed -E 's/^replace //; /^\(|^\)|replace \(/d' | while read -r line; do
      [ -n "$line" ] || continue
      if [[ $line =~ ^(k8s\.io/[a-z0-9-]+)\ =\>\ \./staging/ ]]; then
        echo "	${BASH_REMATCH[1]} => ${BASH_REMATCH[1]} $staging"
      elif [[ $line != *"=> ./"* && $line != *"=> ../"* ]]; then
        echo "	$line"
      fi
    done
    echo ")"
  } >"$work/go.mod"
  printf 'package realkubelet\n\nimport _ "k8s.io/kubernetes/cmd/kubelet/app"\n' >"$work/deps.go"
  (cd "$work" && go mod tidy >"$work/tidy.log" 2>&1) || die "kubelet $v: go mod tidy failed: $(tail -n 20 "$work/tidy.log")"
  # Version stamping as hack/lib/version.sh does, for both version packages.
  commit=$(echo "$info" | sed -n 's/^\t\t"Hash": "\([0-9a-f]*\)".*/\1/p' | head -n1)
  date=$(date -u +'%Y-%m-%dT%H:%M:%SZ')
  ldflags="-s -w"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ldflags+=" -X '$pkg.buildDate=$date' -X '$pkg.gitVersion=$v' -X '$pkg.gitMajor=1' -X '$pkg.gitMinor=${minor#*.}'"
    if [ -n "$commit" ]; then ldflags+=" -X '$pkg.gitCommit=$commit' -X '$pkg.gitTreeState=clean'"; fi
  done
  (cd "$work" && go build -trimpath -ldflags "$ldflags" -o "$work/kubelet" k8s.io/kubernetes/cmd/kubelet >"$work/build.log" 2>&1) \
    || die "kubelet $v: go build failed: $(tail -n 30 "$work/build.log")"
  verify_static "$work/kubelet"
  "$work/kubelet" --version 2>&1 | grep -qx "Kubernetes $v" || die "kubelet $v: --version printed '$("$work/kubelet" --version 2>&1)'"
  kube_seconds[$v]=$(elapsed "$start")
  mkdir -p "$dir"
  cp "$work/go.mod" "$dir/go.mod"
  install -m 0755 "$work/kubelet" "$dir/kubelet.tmp" && mv "$dir/kubelet.tmp" "$dir/kubelet"
  printf 'recipe=%s\ngo=%s\nseconds=%s\n' "$recipe" "$go_version" "${kube_seconds[$v]}" >"$dir/.built"
  failing_kubelet=""; rm -f "$cache/kubelet/$v.failed"
  say "kubelet $v: built in ${kube_seconds[$v]} s ($(du -h "$dir/kubelet" | cut -f1))"
}

build_cri_dockerd() {
  local v=$1 dir="$cache/cri-dockerd/$1" start info src work commit
  info=$(download "github.com/Mirantis/cri-dockerd@$v")
  src=$(echo "$info" | json_field Dir)
  cri_go[$v]=$(go_directive "$src/go.mod")
  if cached "$dir" cri-dockerd "${v#v}"; then
    cri_seconds[$v]=$(sed -n 's/^seconds=//p' "$dir/.built")
    say "cri-dockerd $v: cached ($dir/cri-dockerd)"
    return
  fi
  require_go "${cri_go[$v]}" "cri-dockerd $v"
  start=$(now)
  say "cri-dockerd $v: building with Go $go_version (go.mod: go ${cri_go[$v]})"
  work="$scratch/cri-dockerd-$v"
  cp -r "$src" "$work"
  chmod -R u+w "$work"
  commit=$(echo "$info" | sed -n 's/^\t\t"Hash": "\([0-9a-f]\{7\}\).*/\1/p' | head -n1)
  # As packaging/common.mk does; its own go.mod (with its replace block) is the main module here.
  (cd "$work" && go build -trimpath \
      -ldflags "-s -w -X github.com/Mirantis/cri-dockerd/cmd/version.Version=${v#v} -X github.com/Mirantis/cri-dockerd/cmd/version.GitCommit=${commit:-$v}" \
      -o "$work/cri-dockerd.bin" . >"$work/build.log" 2>&1) || die "cri-dockerd $v: go build failed: $(tail -n 30 "$work/build.log")"
  verify_static "$work/cri-dockerd.bin"
  "$work/cri-dockerd.bin" --version 2>&1 | grep -qF "cri-dockerd ${v#v}" || die "cri-dockerd $v: --version printed '$("$work/cri-dockerd.bin" --version 2>&1)'"
  cri_seconds[$v]=$(elapsed "$start")
  mkdir -p "$dir"
  install -m 0755 "$work/cri-dockerd.bin" "$dir/cri-dockerd.tmp" && mv "$dir/cri-dockerd.tmp" "$dir/cri-dockerd"
  printf 'recipe=%s\ngo=%s\nseconds=%s\n' "$recipe" "$go_version" "${cri_seconds[$v]}" >"$dir/.built"
  say "cri-dockerd $v: built in ${cri_seconds[$v]} s ($(du -h "$dir/cri-dockerd" | cut -f1))"
}

# A static executable has no program interpreter (PT_INTERP).
verify_static() {
  if od -A n -t x1 -N 4 "$1" | grep -q '7f 45 4c 46' && LC_ALL=C grep -qa 'ld-linux' <(head -c 4096 "$1"); then
    die "$1 is dynamically linked (it names ld-linux); expected a static binary."
  fi
}

total_start=$(now)
for v in "${kube_versions[@]}"; do build_kubelet "$v"; done
for v in "${cri_versions[@]}"; do build_cri_dockerd "$v"; done

# ---- images ---------------------------------------------------------------------------------------------------------
image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# Pause tags: every one the matrix uses, and each built version's kubeadm PauseVersion.
pause_tags=$(
  { sed -n "s/.*pauseTag: '\([0-9.]*\)'.*/\1/p" "$matrix"; for v in "${kube_versions[@]}"; do echo "${kube_pause[$v]}"; done; } | grep . | sort -uV
)
newest_kube=$(printf '%s\n' "${kube_versions[@]}" | sort -V | tail -n1)
pause_c="${kube_dirs[$newest_kube]}/build/pause/linux/pause.c"
[ -f "$pause_c" ] || die "$pause_c not found in the k8s.io/kubernetes $newest_kube module."
# Static C needs gcc and libc.a (libc6-dev): Debian packages, installed like build-stand-ins.sh installs debootstrap.
if ! command -v gcc >/dev/null || [ ! -f "/usr/lib/$(uname -m)-linux-gnu/libc.a" ]; then
  say "installing gcc and libc6-dev (Debian) for the static pause binary"
  { as_root apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null 2>&1 \
    || { as_root apt-get update -qq >/dev/null && as_root apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null; }; } \
    || die "gcc and libc6-dev are missing and could not be installed: the pause image is compiled from pause.c."
fi
pause_start=$(now)
pause_hash=$( { cat "$pause_c"; echo "recipe=$recipe"; } | sha256sum | cut -c1-16)
pause_images=()
for tag in $pause_tags; do
  image="registry.k8s.io/pause:$tag"
  pause_images+=("$image")
  if [ "$(image_label "$image" org.nx-kubelet.real-binaries)" = "$pause_hash" ]; then continue; fi
  ctx="$scratch/pause-$tag"
  mkdir -p "$ctx"
  # As build/pause/Makefile: CFLAGS = -Os -Wall -Werror -static -DVERSION=v$(TAG)-$(REV).
  gcc -Os -Wall -Werror -static -DVERSION="v$tag-nx-kubelet" -o "$ctx/pause" "$pause_c" || die "gcc could not build $pause_c statically (is libc6-dev installed?)."
  strip "$ctx/pause"
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$ctx/Dockerfile"
  docker build --quiet --label "org.nx-kubelet.real-binaries=$pause_hash" \
    --label "org.nx-kubelet.source=k8s.io/kubernetes@$newest_kube build/pause/linux/pause.c" \
    --tag "$image" "$ctx" >/dev/null || die "docker build of $image failed."
  say "image $image: built from pause.c of $newest_kube"
done
pause_seconds=$(elapsed "$pause_start")

# Workload image: Debian's busybox-static (a statically linked busybox), /bin/busybox with its applet symlinks.
busybox_start=$(now)
deb_dir="$cache/busybox"
mkdir -p "$deb_dir"
deb=$(ls "$deb_dir"/busybox-static_*.deb 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$deb" ]; then
  (cd "$deb_dir" && apt-get download busybox-static >"$scratch/apt.log" 2>&1) \
    || { as_root apt-get update -qq >/dev/null 2>&1 || true; (cd "$deb_dir" && apt-get download busybox-static >"$scratch/apt.log" 2>&1); } \
    || die "apt-get download busybox-static failed: $(tail -n 5 "$scratch/apt.log")"
  deb=$(ls "$deb_dir"/busybox-static_*.deb | sort -V | tail -n1)
fi
busybox_version=$(dpkg-deb -f "$deb" Version | sed -E 's/^[0-9]+://; s/[-+~].*//')
workload_image="nx-kubelet/busybox:$busybox_version"
busybox_hash=$( { sha256sum "$deb"; echo "recipe=$recipe"; } | sha256sum | cut -c1-16)
if [ "$(image_label "$workload_image" org.nx-kubelet.real-binaries)" != "$busybox_hash" ]; then
  rootfs="$scratch/busybox-rootfs"
  dpkg-deb -x "$deb" "$scratch/busybox-deb"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/var/www"
  cp "$scratch/busybox-deb/bin/busybox" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  chmod 1777 "$rootfs/tmp"
  tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . | docker import \
    --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
    --change "LABEL org.nx-kubelet.real-binaries=$busybox_hash" \
    --change "LABEL org.nx-kubelet.source=\"Debian busybox-static $(dpkg-deb -f "$deb" Version)\"" \
    - "$workload_image" >/dev/null || die "docker import of $workload_image failed."
  say "image $workload_image: imported from $(basename "$deb")"
fi
busybox_seconds=$(elapsed "$busybox_start")

# ---- index for the tests ----------------------------------------------------------------------------------------
{
  echo "{"
  echo "  \"recipe\": $recipe,"
  echo "  \"go\": \"$go_version\","
  echo "  \"defaultMinor\": \"$default_minor\","
  echo "  \"criDockerdMinimum\": \"$cri_minimum\","
  echo "  \"kubelets\": ["
  sep=""
  for v in "${kube_versions[@]}"; do
    printf '%s    { "version": "%s", "minor": "%s", "path": "%s", "goMod": "%s", "pause": "%s", "buildSeconds": %s }' \
      "$sep" "$v" "$(minor_of "$v")" "$cache/kubelet/$v/kubelet" "${kube_go[$v]}" "${kube_pause[$v]}" "${kube_seconds[$v]:-null}"
    sep=$',\n'
  done
  echo; echo "  ],"
  echo "  \"criDockerd\": ["
  sep=""
  for v in "${cri_versions[@]}"; do
    printf '%s    { "version": "%s", "path": "%s", "goMod": "%s", "buildSeconds": %s }' \
      "$sep" "$v" "$cache/cri-dockerd/$v/cri-dockerd" "${cri_go[$v]}" "${cri_seconds[$v]:-null}"
    sep=$',\n'
  done
  echo; echo "  ],"
  echo "  \"pauseImages\": [$(printf '"%s",' "${pause_images[@]}" | sed 's/,$//')],"
  echo "  \"pauseSeconds\": $pause_seconds,"
  echo "  \"workloadImage\": \"$workload_image\","
  echo "  \"workloadSeconds\": $busybox_seconds"
  echo "}"
} >"$index_file.tmp"
mv "$index_file.tmp" "$index_file"
say "done in $(elapsed "$total_start") s; index: $index_file"
