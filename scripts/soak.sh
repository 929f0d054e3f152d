#!/usr/bin/env bash
# Runs the soak of e2e/soak: the real binaries under a mixed load through
# the gateway for SOAK_DURATION (default 10m: a whole number of s, m or h),
# then its report of latencies, errors and resources. FOTOGAL_SOAK_RATE
# changes the rate (requests a second). GO names the go command (default go).
set -euo pipefail
cd "$(dirname "$0")/.."

go=${GO:-go}
duration=${SOAK_DURATION:-10m}
if [[ ! $duration =~ ^([0-9]+)([smh])$ ]]; then
	echo "SOAK_DURATION=$duration: want a whole number of s, m or h, e.g. 10m" >&2
	exit 2
fi
case ${BASH_REMATCH[2]} in
s) seconds=${BASH_REMATCH[1]} ;;
m) seconds=$((BASH_REMATCH[1] * 60)) ;;
h) seconds=$((BASH_REMATCH[1] * 3600)) ;;
esac

# go test's deadline: the run, plus building and starting the binaries,
# with room to spare (the test checks that it fits).
FOTOGAL_SOAK=1 FOTOGAL_SOAK_DURATION=$duration \
	"$go" test -count=1 -timeout $((seconds + 900))s -run '^TestSoak$' -v ./e2e/soak
