#!/usr/bin/env bash
# The browser tests drive Debian's chromium. When it is missing and apt-get
# can be used (as root, or through sudo without a password), this installs
# it, as .ci/run does; otherwise it says how to get it rather than letting
# the tests fail obscurely (they also fail, never skip, without it).
set -euo pipefail
# FOTOGAL_CHROMIUM_DEBIAN is where Debian's package puts it; tests move it.
debian=${FOTOGAL_CHROMIUM_DEBIAN:-/usr/bin/chromium}
browser=${FOTOGAL_CHROMIUM:-$debian}
if [[ -x "$browser" ]]; then
	exit 0
fi
if [[ -z "${FOTOGAL_CHROMIUM:-}" ]] && command -v apt-get >/dev/null; then
	sudo=()
	if ((EUID != 0)) && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo=(sudo -n)
	fi
	if ((EUID == 0)) || ((${#sudo[@]} > 0)); then
		echo "chromium not found: installing Debian's chromium for the browser tests" >&2
		"${sudo[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
		if [[ -x "$browser" ]]; then
			exit 0
		fi
	fi
fi
echo "chromium not found at $browser: the browser tests need it." >&2
echo "Install it with: apt-get update && apt-get install -y chromium" >&2
echo "(or point FOTOGAL_CHROMIUM at a Chromium binary)" >&2
exit 1
