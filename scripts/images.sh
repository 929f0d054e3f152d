#!/usr/bin/env bash
# Builds FotoGal's five container images, fotogal/{auth,user,image,feed,gateway},
# from the Dockerfile at the root: first the static binaries into bin/static/
# (CGO_ENABLED=0, -trimpath), then each image with `docker build` when a
# Docker Engine answers, else with buildah. Prints each image's size at the end.
#
# Every image is tagged latest and, when it is set, FOTOGAL_IMAGE_TAG too.
# GO names the go command (default go).
set -euo pipefail
cd "$(dirname "$0")/.."

go=${GO:-go}
tags=(latest)
if [[ -n ${FOTOGAL_IMAGE_TAG:-} && ${FOTOGAL_IMAGE_TAG} != latest ]]; then
	tags+=("$FOTOGAL_IMAGE_TAG")
fi
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
version=$(git describe --always --dirty 2>/dev/null || echo unknown)

# name, package, listen port, metrics port, description
images=(
	"auth    ./services/auth/cmd/auth   9091 9191 FotoGal authentication service: logins, sessions and their validation (gRPC)"
	"user    ./services/user/cmd/user   9092 9192 FotoGal user service: accounts, profiles and the follow graph (gRPC)"
	"image   ./services/image/cmd/image 9093 9193 FotoGal image service: photos, avatars, captions and reactions (gRPC)"
	"feed    ./services/feed/cmd/feed   9094 9194 FotoGal feed service: each person's timeline (gRPC)"
	"gateway ./gateway/cmd/gateway      8080 9190 FotoGal gateway: the HTTP/JSON API, photo uploads and downloads, and the web app"
)

if docker info >/dev/null 2>&1; then
	builder=docker
elif command -v buildah >/dev/null; then
	builder=buildah
else
	echo "images.sh: neither a Docker Engine (docker info) nor buildah answers" >&2
	exit 1
fi

packages=()
for line in "${images[@]}"; do
	read -r _ pkg _ <<<"$line"
	packages+=("$pkg")
done
echo "images.sh: building static binaries into bin/static/ ($version)"
mkdir -p bin/static
CGO_ENABLED=0 "$go" build -trimpath -ldflags='-s -w' -o bin/static/ "${packages[@]}"
# The image's /data: empty, whatever ran here before.
rm -rf bin/static/data
mkdir bin/static/data

for line in "${images[@]}"; do
	read -r name _ port metrics description <<<"$line"
	args=(
		--build-arg "SERVICE=$name"
		--build-arg "PORT=$port"
		--build-arg "METRICS_PORT=$metrics"
		--build-arg "DESCRIPTION=$description"
		--build-arg "REVISION=$revision"
		--build-arg "VERSION=$version"
	)
	for tag in "${tags[@]}"; do
		args+=(-t "fotogal/$name:$tag")
	done
	echo "images.sh: $builder: fotogal/$name:${tags[*]}"
	case $builder in
	docker) docker build --quiet "${args[@]}" . >/dev/null ;;
	# The docker format keeps the HEALTHCHECK, which the OCI format has no field for.
	buildah) buildah --storage-driver vfs bud --isolation chroot --format docker "${args[@]}" . ;;
	esac
done

echo "images.sh: built with $builder:"
for line in "${images[@]}"; do
	read -r name _ <<<"$line"
	ref="fotogal/$name:${tags[-1]}"
	case $builder in
	docker)
		bytes=$(docker image inspect --format '{{.Size}}' "$ref")
		awk -v ref="$ref" -v b="$bytes" 'BEGIN { printf "  %-24s %6.1f MB\n", ref, b / 1e6 }'
		;;
	buildah)
		printf '  %-24s %s\n' "$ref" "$(buildah --storage-driver vfs images --format '{{.Size}}' "$ref" | head -n 1)"
		;;
	esac
done
