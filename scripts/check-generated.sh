#!/usr/bin/env bash
# Regenerates the code and OpenAPI document of proto/ into a temporary
# directory with the pinned tools, and fails when they differ from what is
# in the tree: the generated files must be what `make proto` makes of the
# .proto files beside them.
set -euo pipefail

tools_bin=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

PATH="$tools_bin:$PATH" "$tools_bin/buf" generate -o "$out"

generated() { (cd "$1" && find proto -type f \( -name '*.pb.go' -o -name '*.pb.gw.go' -o -name '*.swagger.json' \) | sort); }

stale=0
if ! diff <(generated "$out") <(generated .); then
	stale=1
fi
while read -r f; do
	if [[ -f "$f" ]] && ! cmp -s "$out/$f" "$f"; then
		echo "differs: $f"
		stale=1
	fi
done < <(generated "$out")
if ((stale)); then
	echo "generated code is stale: run 'make proto' (and commit the result)" >&2
	exit 1
fi
