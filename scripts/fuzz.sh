#!/usr/bin/env bash
# Runs every Go fuzz target of the repository (each `func FuzzXxx(f
# *testing.F)` in a _test.go file) for FUZZTIME each (default 30s), one
# after another, and fails on the first failure. A failing input is left
# in the package's testdata/fuzz/ for `go test -run` to replay.
#
#   scripts/fuzz.sh                 # every target, 30 s each (make fuzz)
#   FUZZTIME=3s scripts/fuzz.sh     # a few seconds each (make test)
set -euo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}
fuzztime=${FUZZTIME:-30s}

mapfile -t targets < <(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' \
	gateway services pkg e2e 2>/dev/null | sed -E 's#^(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+).*#\1 \2#' | sort -u)
if ((${#targets[@]} == 0)); then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi
start=$SECONDS
for target in "${targets[@]}"; do
	read -r dir name <<<"$target"
	echo "fuzz: $name in ./$dir for $fuzztime" >&2
	if ! out=$("$go" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$dir" 2>&1); then
		printf '%s\n' "$out" >&2
		echo "fuzz: $name failed" >&2
		exit 1
	fi
done
echo "fuzz: ${#targets[@]} targets, $fuzztime each, in $((SECONDS - start)) s" >&2
