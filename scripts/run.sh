#!/usr/bin/env bash
# Sets up and runs WgSupervisor.
#   bash scripts/run.sh                    the demo: a real WireGuard lab in network namespaces, supervised on the
#                                          embedded defaults (single node, SQLite in data/demo.db); Ctrl-C removes it
#   bash scripts/run.sh --config PATH      the supervisor on your own configuration
# A relative PATH (of --config, or of certs' --out) means relative to where you are: it is made absolute before this
# script moves to the repository, where the supervisor then runs (relative paths inside the file, such as the SQLite
# file, stay relative to the repository).
set -euo pipefail
arguments=()
while (( $# > 0 )); do
  if [[ ( "$1" == "--config" || "$1" == "--out" ) && $# -gt 1 ]]; then
    path=$2
    [[ "$path" == /* ]] || path="$PWD/$path"
    arguments+=("$1" "$path")
    shift 2
  else
    arguments+=("$1")
    shift
  fi
done
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if (( ${#arguments[@]} == 0 )); then
  exec dotnet run --project src/WgSupervisor.Host -c Release -- demo
fi
exec dotnet run --project src/WgSupervisor.Host -c Release -- "${arguments[@]}"
