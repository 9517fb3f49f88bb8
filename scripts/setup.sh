#!/usr/bin/env bash
# Installs what WgSupervisor needs on a Debian machine, idempotently, then restores the .NET packages.
#   scripts/setup.sh          the runtime tools (wireguard-tools, wireguard-go, iproute2, nftables, ping)
#   scripts/setup.sh --test   also what the tests need: PostgreSQL (started on 127.0.0.1), Chromium and its driver,
#                             promtool (from Debian's prometheus package) for the metrics and alert-rule checks,
#                             the pinned Redocly CLI (tools/openapi, with Node.js from Debian if node is missing) for the OpenAPI lint
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(wireguard-tools wireguard-go iproute2 nftables iputils-ping procps util-linux)
if [[ "${1:-}" == "--test" ]]; then
  # curl and openssl: the README-commands test runs README's curl and openssl lines as written.
  packages+=(postgresql chromium chromium-driver prometheus curl openssl)
  # Only when there is no node at all: a Node.js from elsewhere (e.g. NodeSource) brings its own npm, which Debian's would conflict with.
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if (( ${#missing[@]} > 0 )); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: these Debian packages are missing: ${missing[*]}; run as root (sudo) to install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--test" && $(id -u) -eq 0 ]]; then
  bash scripts/postgres.sh start
fi

if [[ "${1:-}" == "--test" ]]; then
  # The Redocly CLI exactly as tools/openapi/package-lock.json pins it; reinstalled only when another version (or none) is there.
  pinned=$(node -p "require('./tools/openapi/package-lock.json').packages['node_modules/@redocly/cli'].version")
  installed=$(node -p "try { require('./tools/openapi/node_modules/@redocly/cli/package.json').version } catch { '' }")
  if [[ "$pinned" != "$installed" ]]; then
    echo "setup: installing @redocly/cli $pinned into tools/openapi"
    npm ci --prefix tools/openapi --no-audit --no-fund --loglevel=error
  fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (https://dotnet.microsoft.com/download); 'dotnet' is not on PATH" >&2
  exit 1
fi
dotnet restore WgSupervisor.sln --verbosity quiet
