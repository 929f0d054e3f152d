#!/usr/bin/env bash
# bench.sh measures GetFeed on the real binaries with the embedded backends:
# it builds auth, user, image and feed and the seeding and load tools, seeds
# a temporary data directory, starts the four services on their own ports,
# runs feed-bench over the grid and prints its markdown table, then stops
# everything and removes the data. The seeders write straight into the user
# and image stores, so the feed's tailer never sees those photos: each
# reader's first request fills their timeline, and is reported apart
# ("fill"), as is the first walk to the deep page ("walk").
#
#   services/feed/bench.sh          # modest grid: a few minutes
#   services/feed/bench.sh -full    # followed 10..5,000 × photos 10 and 1,000
#
# The seed also has a star, an account with BENCH_STAR_FOLLOWERS followers
# (default 1,000,000; 0 for none), and a reader per value of
# BENCH_STAR_FOLLOWING (default "10,100,1000") who follows it among that
# many accounts; the star posts once at the end, and feed-bench prints the
# timeline entries that cost.
#
# Last, the first reader posts a photo and BENCH_COMMENTS comments
# (default 10,000; 0 for none) are added under it: feed-bench prints the
# p50 and p99 of its first page of comments, oldest and newest first, and
# of adding one more.
#
# Settings (environment): BENCH_FOLLOWING (followed accounts, e.g.
# "10,100,1000"), BENCH_PHOTOS (photos per followed account, e.g. "10,100"),
# BENCH_PEOPLE (long-tail accounts), BENCH_FILL_READERS (readers per cell
# whose first request is timed: the fill column is their median, default
# 5), BENCH_REQUESTS (timed requests per cell), BENCH_CONCURRENCY, BENCH_DEEP_PAGE, BENCH_PORT_BASE (the services
# listen on BASE+1..BASE+4, default 19090).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
following=${BENCH_FOLLOWING:-10,100,1000}
photos=${BENCH_PHOTOS:-10,100}
if [[ "${1:-}" == "-full" ]]; then
	following=10,100,1000,5000
	photos=10,1000
fi
people=${BENCH_PEOPLE:-1000}
fill_readers=${BENCH_FILL_READERS:-5}
star_followers=${BENCH_STAR_FOLLOWERS:-1000000}
star_following=${BENCH_STAR_FOLLOWING:-10,100,1000}
requests=${BENCH_REQUESTS:-200}
concurrency=${BENCH_CONCURRENCY:-4}
deep_page=${BENCH_DEEP_PAGE:-50}
comments=${BENCH_COMMENTS:-10000}
base=${BENCH_PORT_BASE:-19090}

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

echo "bench: building" >&2
(cd "$root" && go build -o "$work/bin/" \
	./services/auth/cmd/auth ./services/user/cmd/user ./services/image/cmd/image ./services/feed/cmd/feed \
	./services/user/cmd/user-seed ./services/image/cmd/image-seed ./services/feed/cmd/feed-bench)

data="$work/data"
echo "bench: seeding following=$following photos=$photos people=$people" >&2
"$work/bin/user-seed" -data-dir "$data" -following "$following" -photos "$photos" -people "$people" \
	-fill-readers "$fill_readers" -star-followers "$star_followers" -star-following "$star_following"
"$work/bin/image-seed" -data-dir "$data"

export FOTOGAL_DATA_DIR="$data"
export FOTOGAL_SERVICE_SECRET="bench-service-secret-$RANDOM$RANDOM"
export FOTOGAL_LOG_LEVEL=warn
export FOTOGAL_METRICS_ADDR=""
# The feed reads no photo bytes: the image service's content port stays off.
export FOTOGAL_CONTENT_ADDR=""
export FOTOGAL_AUTH_ADDR="127.0.0.1:$((base + 1))"
export FOTOGAL_USER_ADDR="127.0.0.1:$((base + 2))"
export FOTOGAL_IMAGE_ADDR="127.0.0.1:$((base + 3))"
export FOTOGAL_FEED_ADDR="127.0.0.1:$((base + 4))"
start() {
	local name=$1 addr=$2
	FOTOGAL_GRPC_ADDR="$addr" "$work/bin/$name" >"$work/$name.log" 2>&1 &
	pids+=($!)
}
start auth "$FOTOGAL_AUTH_ADDR"
start user "$FOTOGAL_USER_ADDR"
start image "$FOTOGAL_IMAGE_ADDR"
FOTOGAL_METRICS_ADDR="127.0.0.1:$((base + 14))" start feed "$FOTOGAL_FEED_ADDR"

echo "bench: measuring" >&2
if ! "$work/bin/feed-bench" -manifest "$data/seed.json" -requests "$requests" \
	-concurrency "$concurrency" -deep-page "$deep_page" -comments "$comments" \
	-feed-metrics "http://127.0.0.1:$((base + 14))/metrics"; then
	for name in auth user image feed; do
		echo "--- $name.log (last lines)" >&2
		tail -n 20 "$work/$name.log" >&2
	done
	exit 1
fi
