#!/usr/bin/env bash
# One entry point that works on a fresh machine: installs what is missing (Node 24, pnpm, the
# workspace's dependencies) into a cache in your home directory, then runs `pnpm <command>`.
#
#   ./scripts/akaso.sh start      # the whole local stack (Kafka x3, PostgreSQL, stripe-mock, Mailpit)
#   ./scripts/akaso.sh test       # unit + integration tests (what CI runs)
#   ./scripts/akaso.sh stop       # stop everything `start` started
#   ./scripts/akaso.sh <any pnpm script or command> [args]
#
# With Node 24 and pnpm already on your PATH this is the same as `pnpm <command>`.
# Prerequisites it does not install: any Node.js with npm (only to fetch Node 24 and pnpm from
# the npm registry), Java 17+ with Maven (the Kafka brokers) and Go (stripe-mock, Mailpit).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../infra/versions.env
source "$root/infra/versions.env"
cache="${AKASO_CACHE_DIR:-$HOME/.cache/akaso-burger}"
mkdir -p "$cache"

say() { printf '\033[1;34m[akaso]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[akaso]\033[0m %s\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local want_major="${NODE_VERSION%%.*}"
  if command -v node >/dev/null && [ "$(node_major node)" -ge "$want_major" ]; then
    return
  fi
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) die "unsupported OS $(uname -s)" ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) die "unsupported CPU $(uname -m)" ;; esac
  local pkg="node-$os-$arch" dir="$cache/node-$NODE_VERSION"
  local bin="$dir/node_modules/$pkg/bin"
  if [ ! -x "$bin/node" ]; then
    command -v npm >/dev/null || die "Node $want_major+ is needed and no npm is here to fetch it: install any Node.js with npm first"
    say "installing Node $NODE_VERSION ($pkg from the npm registry) into $dir"
    npm install --no-audit --no-fund --loglevel=error --prefix "$dir" "$pkg@$NODE_VERSION" >&2
  fi
  export PATH="$bin:$PATH"
  [ "$(node_major node)" -ge "$want_major" ] || die "Node $NODE_VERSION did not install correctly"
}

ensure_pnpm() {
  if command -v pnpm >/dev/null && [ "$(pnpm -v 2>/dev/null)" = "$PNPM_VERSION" ]; then
    return
  fi
  local dir="$cache/pnpm-$PNPM_VERSION"
  if [ ! -x "$dir/node_modules/.bin/pnpm" ]; then
    command -v npm >/dev/null || die "pnpm $PNPM_VERSION is needed and no npm is here to fetch it"
    say "installing pnpm $PNPM_VERSION into $dir"
    npm install --no-audit --no-fund --loglevel=error --prefix "$dir" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

ensure_deps() {
  # Reinstall only when the lockfile changed since the last install (a warm start stays fast).
  local stamp="$root/node_modules/.akaso-lock-stamp" want
  want="$(cksum <"$root/pnpm-lock.yaml") $NODE_VERSION"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  say "installing workspace dependencies (pnpm install --frozen-lockfile)"
  (cd "$root" && pnpm install --frozen-lockfile --reporter=append-only >&2)
  echo "$want" >"$stamp"
}

# Installs a Debian package for what a command needs, when apt-get can (root or passwordless
# sudo); otherwise says how, and the run goes on (what needs it fails with its own message).
apt_install() {
  local pkg=$1 why=$2 sudo=""
  if ! command -v apt-get >/dev/null; then
    say "no $pkg here and no apt-get to install it: install $pkg, or $why"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      say "$pkg is missing and apt-get needs root: sudo apt-get install -y --no-install-recommends $pkg (or $why)"
      return 0
    fi
  fi
  say "installing Debian's $pkg (apt-get install $pkg)"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$pkg"; } >&2; then
    say "apt-get could not install $pkg: $why"
  fi
}

# The browser tests (storefront, dashboard) drive the system's headless Chromium through
# playwright-core, which downloads no browser: on Debian/Ubuntu it comes from apt.
ensure_chromium() {
  local name
  [ -z "${CHROMIUM_PATH:-}" ] || return 0
  for name in chromium chromium-browser google-chrome-stable google-chrome; do
    command -v "$name" >/dev/null && return 0
  done
  apt_install chromium "set CHROMIUM_PATH; the browser tests fail without a Chromium"
}

# The local brokers' SASL_SSL listeners get their certificates from openssl at start-up
# (scripts/stack/kafka-tls.ts); slim images may lack it.
ensure_openssl() {
  command -v openssl >/dev/null && return 0
  apt_install openssl "the Kafka brokers cannot start their SASL_SSL listeners"
}

ensure_node
ensure_pnpm
ensure_deps
cd "$root"
[ $# -gt 0 ] || set -- start
case "$1" in test | test:integration) ensure_chromium ;; esac
case "$1" in start | test | test:integration | lab | bench) ensure_openssl ;; esac
exec pnpm "$@"
