#!/usr/bin/env bash
# Sets up and runs every test project; the last line is "N passed, N failed, N skipped" over all of them.
# Real-WireGuard tests need root; without it they skip with the reason (under CI=true they fail instead).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1
dotnet build WgSupervisor.sln -c Release --no-restore --verbosity quiet -nologo || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# The PostgreSQL that setup started, for the persistence suite (tests skip it only outside CI when it is absent).
if command -v pg_lsclusters >/dev/null 2>&1 && [[ -z "${WGSUPERVISOR_TEST_POSTGRES:-}" ]]; then
  export WGSUPERVISOR_TEST_POSTGRES="$(bash scripts/postgres.sh url)"
fi

passed=0 failed=0 skipped=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "=== $name"
  log=$(mktemp)
  dotnet test "$project" -c Release --no-build --nologo --logger "console;verbosity=normal" 2>&1 | tee "$log"
  summary=$(grep -oE 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -n 1)
  if [[ -z "$summary" ]]; then
    echo "=== $name: no test summary (the run crashed); counted as one failure"
    failed=$((failed + 1))
  else
    read -r f p s < <(echo "$summary" | grep -oE '[0-9]+' | tr '\n' ' ')
    failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s))
  fi
  rm -f "$log"
done

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
