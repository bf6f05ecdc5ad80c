#!/usr/bin/env bash
# Measures what a participant meets on a fresh machine: a fresh clone of this repository and an
# empty HOME (no Node 24, pnpm store, Go caches, Maven repository or stack cache), then
#   1. ./scripts/akaso.sh --version   installs Node 24, pnpm and the workspace's dependencies
#   2. ./scripts/akaso.sh start       the first start: seconds to the pipeline ready (every
#                                     service's /readyz 200) and to Jaeger up
#   3. stop, then start again         a later start, measured the same way
# and finally wipes the stack it started and deletes everything it made.
#
#   scripts/stack/measure-first-start.sh [--dry-run] [--keep] [--ref <commit>]
#
# --ref measures another commit (default HEAD), e.g. one from before a change, for a before/after.
# The stack's ports must be free: stop a running stack first (pnpm stop), or export
# AKASO_PORT_OFFSET=1000 to measure beside it. --dry-run checks the prerequisites, clones, prints
# the plan and runs the readiness watcher once against whatever stack is running, without
# installing or starting anything. --keep leaves the temporary directory (logs) behind.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dry_run=0 keep=0 ref=HEAD
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --keep) keep=1 ;;
    --ref) ref=$2; shift ;;
    *) echo "usage: $0 [--dry-run] [--keep] [--ref <commit>]" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '\033[1;35m[measure]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[measure]\033[0m %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

for tool in git npm java mvn go; do command -v "$tool" >/dev/null || die "$tool is needed (see README: prerequisites)"; done

# The stack's ports (scripts/stack-client topology.ts), moved by AKASO_PORT_OFFSET.
offset=${AKASO_PORT_OFFSET:-0}
busy=()
for port in 19092 29092 39092 19093 29093 39093 55432 12111 12113 1025 8025 4317 4318 16686 13133 3000 3100 3200 3300 3400; do
  p=$((port + offset))
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then busy+=("$p"); fi
done
if [ ${#busy[@]} -gt 0 ] && [ $dry_run -eq 0 ]; then
  die "ports in use: ${busy[*]}. Stop the running stack first (pnpm stop), or set AKASO_PORT_OFFSET=1000"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/akaso-first-start.XXXXXX")
clone="$tmp/clone"
fresh_home="$tmp/home"
mkdir -p "$fresh_home"
# The registries' client settings (where to fetch from), never their caches.
for f in .npmrc .m2/settings.xml; do
  if [ -f "$HOME/$f" ]; then mkdir -p "$(dirname "$fresh_home/$f")" && cp "$HOME/$f" "$fresh_home/$f"; fi
done
git clone --quiet --no-hardlinks "$root" "$clone"
git -C "$clone" checkout --quiet "$ref"
say "fresh clone of $(git -C "$clone" log -1 --format='%h %s' | cut -c1-80) in $clone"

# Nothing of the current machine's caches: no Node 24 or pnpm of ours on PATH, no cache variables.
clean_path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e akaso-burger -e pnpm | paste -sd: -)
run() {
  env -u GOPATH -u GOMODCACHE -u GOCACHE -u GOFLAGS -u AKASO_CACHE_DIR -u AKASO_DATA_DIR \
    -u XDG_CACHE_HOME -u npm_config_cache -u PNPM_HOME -u MAVEN_OPTS -u NODE_OPTIONS \
    HOME="$fresh_home" PATH="$clean_path" "$@"
}
# Where scripts/akaso.sh puts Node 24 under a HOME (the same os/arch names).
node24_in() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os=unknown ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=unknown ;; esac
  printf '%s' "$1/.cache/akaso-burger/node-$(sed -n 's/^NODE_VERSION=//p' "$root/infra/versions.env")/node_modules/node-$os-$arch/bin/node"
}
node24() { node24_in "$fresh_home"; }

cleanup() {
  if [ $dry_run -eq 0 ] && [ -x "$clone/scripts/akaso.sh" ] && [ -x "$(node24)" ]; then
    say "wiping the measured stack (pnpm stack wipe)"
    (cd "$clone" && run ./scripts/akaso.sh stack wipe >>"$tmp/stop.log" 2>&1) || true
  fi
  if [ $keep -eq 1 ]; then say "kept $tmp"; else chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; fi
}
trap cleanup EXIT

# Watches from outside: prints "pipeline <s>" and "jaeger <s>" since $1 (epoch ms). It runs from
# this repository, so --ref can measure a commit that predates the watcher.
watch_ready() {
  (cd "$root" && run env MEASURE_SINCE_MS="$1" "$(node24)" --conditions=development scripts/stack/measure-ready.ts)
}

if [ $dry_run -eq 1 ]; then
  say "dry run: HOME=$fresh_home PATH=$clean_path"
  say "would run in $clone: ./scripts/akaso.sh --version; ./scripts/akaso.sh start; ./scripts/akaso.sh stop; ./scripts/akaso.sh start; ./scripts/akaso.sh stack wipe"
  [ ${#busy[@]} -eq 0 ] || say "ports in use now (a real run would refuse): ${busy[*]}"
  say "the readiness watcher, once, against the stack running now (this repository's dependencies):"
  node=$(node24_in "$HOME"); [ -x "$node" ] || node=node
  (cd "$root" && MEASURE_SINCE_MS=$(now_ms) MEASURE_TIMEOUT_S=10 "$node" --conditions=development scripts/stack/measure-ready.ts) || true
  exit 0
fi

t0=$(now_ms)
say "installing Node 24, pnpm and the dependencies (./scripts/akaso.sh --version; log $tmp/install.log)"
(cd "$clone" && run ./scripts/akaso.sh --version >"$tmp/install.log" 2>&1) || die "install failed: $tmp/install.log (use --keep)"
t1=$(now_ms)
install_s=$(secs "$t0" "$t1")
say "installed in ${install_s}s"

# One start, watched from outside; prints "<pipeline s> <jaeger s>".
measure_start() {
  local name=$1 since
  since=$(now_ms)
  watch_ready "$since" >"$tmp/$name.ready" 2>&1 &
  local watcher=$!
  say "$name: ./scripts/akaso.sh start (log $tmp/$name.log)"
  (cd "$clone" && run ./scripts/akaso.sh start >"$tmp/$name.log" 2>&1) || die "$name failed: $tmp/$name.log (use --keep)"
  say "$name: start returned after $(secs "$since" "$(now_ms)")s; waiting for Jaeger"
  wait "$watcher" || die "$name: not ready in time: $(cat "$tmp/$name.ready")"
  grep -E 'done in|pipeline ready|stack is up|building' "$tmp/$name.log" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
  echo "$(awk '$1 == "pipeline" { print $2 }' "$tmp/$name.ready") $(awk '$1 == "jaeger" { print $2 }' "$tmp/$name.ready")"
}

first=$(measure_start first-start) || exit 1
say "stopping (./scripts/akaso.sh stop)"
(cd "$clone" && run ./scripts/akaso.sh stop >"$tmp/stop.log" 2>&1)
later=$(measure_start later-start) || exit 1
read -r first_pipeline first_jaeger <<<"$first"
read -r later_pipeline later_jaeger <<<"$later"

cat <<EOF
fresh machine, $(nproc) cores, commit $(git -C "$clone" rev-parse --short HEAD)
  install (Node 24, pnpm, dependencies): ${install_s} s
  first start: pipeline ready ${first_pipeline} s, Jaeger up ${first_jaeger} s
  later start: pipeline ready ${later_pipeline} s, Jaeger up ${later_jaeger} s
EOF
