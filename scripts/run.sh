#!/usr/bin/env bash
# Starts FotoGal's four services and the gateway on the embedded backends,
# with their output on this terminal, and stops them all on Ctrl-C.
#
# `run.sh ocifake` puts FotoGal on its OCI backends instead, as in the
# cloud: every service's tables on Oracle NoSQL, the photos in Object
# Storage and every binary's logs in OCI Logging (as well as on this
# terminal), all against the local fakes (bin/ocifake), which it starts
# first and whose data it keeps in $FOTOGAL_DATA_DIR/ocifake. The fakes
# make a new API signing key at each start, into $FOTOGAL_DATA_DIR/oci-key,
# and the services sign every request with it.
set -euo pipefail
mode=${1:-embedded}

BIN=${BIN:-./bin}
export FOTOGAL_DATA_DIR=${FOTOGAL_DATA_DIR:-./var}
mkdir -p "$FOTOGAL_DATA_DIR"

# The service credential: taken from the environment, else made once and
# kept beside the data (never in the repository).
if [[ -z "${FOTOGAL_SERVICE_SECRET:-}" ]]; then
	secret_file="$FOTOGAL_DATA_DIR/service-secret"
	if [[ ! -s "$secret_file" ]]; then
		(umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$secret_file")
	fi
	FOTOGAL_SERVICE_SECRET=$(<"$secret_file")
fi
export FOTOGAL_SERVICE_SECRET

pids=()
fake_pid=
stop() {
	trap - INT TERM EXIT
	echo "stopping FotoGal..."
	kill -TERM "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	# The fakes go last, so that the services' last log entries reach them.
	if [[ -n $fake_pid ]]; then
		kill -TERM "$fake_pid" 2>/dev/null || true
		wait "$fake_pid" 2>/dev/null || true
	fi
}
trap stop INT TERM EXIT

start() {
	local name=$1
	# The prefixer ignores Ctrl-C and ends when the binary closes its output,
	# so the binary's last lines (its shutdown) are still shown.
	"$BIN/$name" > >(trap '' INT TERM; exec sed -u "s/^/$(printf '%-7s' "$name")| /") 2>&1 &
	pids+=("$!")
}

if [[ $mode == ocifake ]]; then
	fake_addr=${FOTOGAL_OCIFAKE_ADDR:-127.0.0.1:8181}
	key_dir="$FOTOGAL_DATA_DIR/oci-key"
	rm -f "$key_dir/config"
	# In a session of its own, Ctrl-C does not reach it: stop ends it.
	setsid "$BIN/ocifake" -addr "$fake_addr" -data "$FOTOGAL_DATA_DIR/ocifake" -key "$key_dir" \
		> >(trap '' INT TERM; exec sed -u "s/^/ocifake| /") 2>&1 &
	fake_pid=$!
	for _ in $(seq 100); do
		if [[ -s "$key_dir/config" ]] && (exec 3<>"/dev/tcp/${fake_addr%:*}/${fake_addr##*:}") 2>/dev/null; then break; fi
		sleep 0.1
	done
	export FOTOGAL_OCI_AUTH=api_key FOTOGAL_OCI_CONFIG_FILE="$key_dir/config" FOTOGAL_OCI_PROFILE=DEFAULT \
		FOTOGAL_STORE=nosql FOTOGAL_NOSQL_MODE=cloud FOTOGAL_NOSQL_ENDPOINT="http://$fake_addr" \
		FOTOGAL_NOSQL_COMPARTMENT=ocid1.compartment.oc1..fotogallocal FOTOGAL_NOSQL_CREATE_TABLES=true \
		FOTOGAL_BUCKET=oci FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT="http://$fake_addr" \
		FOTOGAL_OCI_LOG_ID=ocid1.log.oc1..fotogallocal FOTOGAL_OCI_LOGGING_ENDPOINT="http://$fake_addr"
fi

for name in auth user image feed gateway; do
	start "$name"
done

echo "FotoGal is starting: web app on http://localhost${FOTOGAL_HTTP_ADDR:-:8080} (Ctrl-C stops it)"
# Whichever process ends first (a crash, or Ctrl-C) brings the others down.
wait -n "${pids[@]}" $fake_pid || true
