#!/usr/bin/env bash
# Runs a command with a moto server on a free loopback port.
#
#   scripts/moto.sh go test -race ./conformance/...
#
# The script creates (or reuses) a virtualenv at .cache/moto-venv, installs
# the pinned moto there unless that version is already installed, starts
# moto's server on 127.0.0.1, waits until it answers, exports
# EC2INSTANCES_MOTO_ENDPOINT=http://127.0.0.1:PORT, runs the command, stops
# moto and exits with the command's status.
#
# If moto cannot be installed or started: with CI=true the script fails with
# a message; otherwise it warns and runs the command without the variable
# (the moto tests then skip themselves).
set -uo pipefail

MOTO_VERSION="5.2.5"
START_TIMEOUT=60

if [ $# -eq 0 ]; then
	echo "usage: scripts/moto.sh COMMAND [ARGS...]" >&2
	exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${EC2INSTANCES_MOTO_VENV:-$root/.cache/moto-venv}"
log="$root/.cache/moto-server.log"
python="${PYTHON:-python3}"

# run_without_moto runs the command as is after a warning (or fails in CI).
run_without_moto() {
	local reason="$1"
	shift
	if [ "${CI:-}" = "true" ]; then
		echo "scripts/moto.sh: error: $reason (CI=true requires moto)" >&2
		exit 1
	fi
	echo "scripts/moto.sh: warning: $reason; running the command without moto" >&2
	"$@"
	exit $?
}

install_moto() {
	mkdir -p "$root/.cache"
	if [ ! -x "$venv/bin/python" ]; then
		"$python" -m venv "$venv" || return 1
	fi
	local have
	have="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)"
	if [ "$have" = "$MOTO_VERSION" ] && "$venv/bin/python" -c 'import flask, flask_cors' 2>/dev/null; then
		return 0
	fi
	echo "scripts/moto.sh: installing moto[server]==$MOTO_VERSION into $venv" >&2
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
}

if ! install_moto; then
	run_without_moto "could not install moto[server]==$MOTO_VERSION" "$@"
fi

port="$("$venv/bin/python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()')" || run_without_moto "could not find a free port" "$@"

# Fake credentials for moto itself, so it never looks for real ones.
AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
	"$venv/bin/python" -m moto.server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!

stop_moto() {
	if kill -0 "$moto_pid" 2>/dev/null; then
		kill "$moto_pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$moto_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$moto_pid" 2>/dev/null || true
	fi
	wait "$moto_pid" 2>/dev/null || true
}
trap stop_moto EXIT
trap 'stop_moto; exit 130' INT
trap 'stop_moto; exit 143' TERM

endpoint="http://127.0.0.1:$port"
ready=""
deadline=$((SECONDS + START_TIMEOUT))
while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$moto_pid" 2>/dev/null; do
	# Ask moto directly, never through a proxy from the environment.
	if "$venv/bin/python" - "$endpoint" <<'PY' 2>/dev/null; then
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
opener.open(sys.argv[1] + "/moto-api/", timeout=2).read(1)
PY
		ready=1
		break
	fi
	sleep 0.2
done
if [ -z "$ready" ]; then
	stop_moto
	trap - EXIT
	tail -n 30 "$log" >&2
	run_without_moto "moto did not answer on $endpoint within ${START_TIMEOUT}s (see $log)" "$@"
fi

echo "scripts/moto.sh: moto $MOTO_VERSION listening on $endpoint" >&2
export EC2INSTANCES_MOTO_ENDPOINT="$endpoint"
"$@"
status=$?
exit "$status"
