#!/usr/bin/env bash
# Runs the tests across real containers (e2e/containers): builds the five
# images (scripts/images.sh), then runs the package with
# FOTOGAL_CONTAINER_TESTS=1, each test on a Compose project of its own.
#
# Where no Docker Engine answers it says loudly that the tests did not run
# and succeeds, unless FOTOGAL_REQUIRE_DOCKER=1 (as in CI), when it fails.
# GO names the go command (default go).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! docker info >/dev/null 2>&1; then
	echo "************************************************************************"
	echo "CONTAINER TESTS DID NOT RUN: no Docker Engine answers (docker info failed)"
	echo "************************************************************************"
	if [[ ${FOTOGAL_REQUIRE_DOCKER:-} == 1 ]]; then
		echo "test-containers.sh: FOTOGAL_REQUIRE_DOCKER=1, so that is a failure" >&2
		exit 1
	fi
	exit 0
fi

# Removes what a test run that was itself killed (a time-out, Ctrl-C) left
# behind: the containers, networks and volumes of its fotogal-test-* projects.
remove_leftovers() {
	local projects
	projects=$(docker ps -a --filter label=com.docker.compose.project \
		--format '{{.Label "com.docker.compose.project"}}' | grep '^fotogal-test-' | sort -u || true)
	for p in $projects; do
		echo "test-containers.sh: removing the leftover project $p"
		docker ps -aq --filter "label=com.docker.compose.project=$p" | xargs -r docker rm -f >/dev/null
		docker network ls -q --filter "label=com.docker.compose.project=$p" | xargs -r docker network rm >/dev/null
		docker volume ls -q --filter "label=com.docker.compose.project=$p" | xargs -r docker volume rm >/dev/null
	done
}
trap remove_leftovers EXIT

./scripts/images.sh
FOTOGAL_CONTAINER_TESTS=1 "${GO:-go}" test -race -count=1 -timeout 15m -v ./e2e/containers
