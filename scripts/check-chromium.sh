#!/usr/bin/env bash
# The browser tests drive Debian's chromium; say how to get it rather than
# letting them fail obscurely (they also fail, never skip, without it).
set -euo pipefail
browser=${FOTOGAL_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x "$browser" ]]; then
	echo "chromium not found at $browser: the browser tests need it." >&2
	echo "Install it with: apt-get update && apt-get install -y chromium" >&2
	echo "(or point FOTOGAL_CHROMIUM at a Chromium binary)" >&2
	exit 1
fi
