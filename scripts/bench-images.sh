#!/usr/bin/env bash
# Measures how fast FotoGal serves and makes photos, beside nginx and
# vipsthumbnail on the same bytes, and prints the table of issue 11's
# targets (the harness is e2e/benchimages).
#
# Installs what is missing with apt-get first: nginx-light, wrk,
# libvips-tools and the photographs of lomiri-wallpapers-16.04.
# FOTOGAL_BENCH_DURATION (default 10s) is how long wrk loads each target,
# FOTOGAL_BENCH_UPLOADS (default 10) how many uploads the p50 is of.
# GO names the go command (default go).
set -euo pipefail
cd "$(dirname "$0")/.."

go=${GO:-go}
packages=(nginx-light wrk libvips-tools lomiri-wallpapers-16.04)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=()
	if ((EUID != 0)); then sudo=(sudo); fi
	echo "installing ${missing[*]}" >&2
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PATH=$PATH:/usr/sbin

# nginx runs in the foreground of the test and is stopped by it; should the
# test be killed instead, its pid file here names the one to stop.
work=$(mktemp -d)
stop_nginx() {
	if [[ -s $work/nginx.pid ]]; then
		kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap stop_nginx EXIT

FOTOGAL_BENCH_IMAGES=1 FOTOGAL_BENCH_DIR=$work \
	"$go" test -count=1 -timeout 20m -run BenchImages -v ./e2e/benchimages
