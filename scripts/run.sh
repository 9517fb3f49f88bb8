#!/usr/bin/env bash
# Sets up and runs WgSupervisor.
#   bash scripts/run.sh                    the demo: a real WireGuard lab in network namespaces, supervised on the
#                                          embedded defaults (single node, SQLite in data/demo.db); Ctrl-C removes it
#   bash scripts/run.sh --config PATH      the supervisor on your own configuration
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if (( $# == 0 )); then
  exec dotnet run --project src/WgSupervisor.Host -c Release -- demo
fi
exec dotnet run --project src/WgSupervisor.Host -c Release -- "$@"
