#!/usr/bin/env bash
# Makes the service credential of the Compose deployment, once: a random
# 43-character secret in deploy/compose/secrets/service-secret (or the file
# given as the only argument). An existing non-empty file is kept, so that
# running it again never changes the credential of a running FotoGal.
#
# The containers run as uid 65532 and Compose mounts the file as it is on
# the host, so the file is readable by all (0644) and guarded by its
# directory instead, made 0700: only root and the file's owner reach it on
# the host.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-"$root/deploy/compose/secrets/service-secret"}
dir=$(dirname "$file")

if [[ -s $file ]]; then
	if [[ $(stat -c %a "$file") != 644 ]]; then
		chmod 0644 "$file"
		echo "compose-secret: $file kept, made readable (0644) for the containers' uid 65532"
	else
		echo "compose-secret: $file exists, kept"
	fi
	exit 0
fi

if [[ ! -d $dir ]]; then
	mkdir -p -m 0700 "$dir"
fi
tmp=$(mktemp "$dir/.service-secret.XXXXXX")
trap 'rm -f "$tmp"' EXIT
head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$file"
trap - EXIT
echo "compose-secret: made $file"
