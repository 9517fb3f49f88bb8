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
failures=()
results=$(mktemp -d)
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  # tests/ also holds libraries the tests share (the harness): only projects that say they are test projects run.
  if [[ "$(dotnet msbuild "$project" -getProperty:IsTestProject -nologo 2>/dev/null | tr -d '[:space:]')" != "true" ]]; then
    echo "=== $name: a library, not a test project; not run"
    continue
  fi
  echo "=== $name"
  dotnet test "$project" -c Release --no-build --nologo --logger "console;verbosity=normal" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" 2>&1
  trx="$results/$name.trx"
  if [[ ! -f "$trx" ]]; then
    echo "=== $name: no test results (the run crashed); counted as one failure"
    failed=$((failed + 1))
    continue
  fi
  # <Counters total=".." executed=".." passed=".." failed=".." ... notExecuted=".." ...>
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  p=$(count passed); f=$(count failed); e=$(count error); t=$(count timeout); n=$(count notExecuted)
  passed=$((passed + p)); failed=$((failed + f + e + t)); skipped=$((skipped + n))
  echo "=== $name: $p passed, $((f + e + t)) failed, $n skipped"
  # The failed tests' names, repeated at the end: a long log is often read from its tail.
  # With each, the first lines of its message: a CI log kept only by its tail still says why.
  while IFS= read -r line; do
    if [[ $line == "      "* ]]; then failures+=("$line"); else failures+=("$name: $line"); fi
  done < <(perl -0777 -ne '
    while (/<UnitTestResult ([^>]*outcome="(?:Failed|Error|Timeout)"[^>]*)>(.*?)<\/UnitTestResult>/sg) {
      my ($attributes, $body) = ($1, $2);
      my ($test) = $attributes =~ /testName="([^"]*)"/;
      my ($message) = $body =~ /<Message>(.*?)<\/Message>/s;
      for ($test, $message) {
        next unless defined;
        s/&quot;/"/g; s/&apos;/\x27/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/&/g;
      }
      print "$test\n";
      print map { "      $_\n" } grep { length } (split /\r?\n/, $message // "")[0 .. 2];
    }' "$trx")
done
rm -rf "$results"

if [[ ${#failures[@]} -gt 0 ]]; then
  echo "=== failed tests:"
  printf '  %s\n' "${failures[@]}"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
