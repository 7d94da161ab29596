#!/usr/bin/env bash
# Runs a command with a moto server on a free loopback port.
#
#   scripts/moto.sh go test -race ./conformance/...
#
# The script creates (or reuses) a virtualenv at .cache/moto-venv and
# installs moto's server there with every dependency pinned to the exact
# versions below (the set the conformance quirks were confirmed with). The
# install is skipped while the virtualenv holds exactly that pinned set, and
# redone when the set changes. It then starts moto's server on 127.0.0.1,
# waits until it answers, exports EC2INSTANCES_MOTO_ENDPOINT=http://127.0.0.1:PORT,
# runs the command, stops moto and exits with the command's status. If moto
# cannot bind the port it picked (another process took it meanwhile), it
# retries on a new port.
#
# If moto cannot be installed or started: with CI=true the script fails with
# a message; otherwise it warns and runs the command without the variable
# (the moto tests then skip themselves).
set -uo pipefail

START_TIMEOUT=60
START_ATTEMPTS=5

# The pinned set: moto's server and all its dependencies, as `pip freeze`
# lists them in a working virtualenv (Python 3.11). Change a version here
# and the next run reinstalls.
read -r -d '' PINS <<'EOF'
annotated-types==0.8.0
antlr4-python3-runtime==4.13.2
attrs==26.1.0
aws-xray-sdk==2.15.0
blinker==1.9.0
boto3==1.44.8
botocore==1.44.8
certifi==2026.10.19.post1
cffi==2.1.1
cfn-lint==1.58.0
charset-normalizer==3.5.3
click==8.5.1
cryptography==50.0.2
docker==7.2.0
Flask==3.1.3
flask-cors==6.0.5
graphql-core==3.3.2
idna==3.20
itsdangerous==2.2.0
Jinja2==3.1.6
jmespath==1.1.0
joserfc==1.8.0
jsonpatch==1.48
jsonpath-ng==1.16.0
jsonpointer==3.12
jsonschema==4.26.0
jsonschema-path==0.5.0
jsonschema-specifications==2025.9.1
lazy-object-proxy==1.13.0
MarkupSafe==3.0.4
moto==5.2.5
mpmath==1.3.0
networkx==3.6.1
openapi-schema-validator==0.9.0
openapi-spec-validator==0.9.0
pathable==0.6.0
py-partiql-parser==0.6.3
pycparser==3.12
pydantic==2.14.4
pydantic-settings==2.16.3
pydantic_core==2.50.5
pyparsing==3.3.3
python-dateutil==2.9.0.post0
python-dotenv==1.2.4
PyYAML==6.0.4
referencing==0.37.0
regex==2026.11.19
requests==2.34.2
responses==0.26.3
rfc3339-validator==0.1.4
rpds-py==2026.9.1
s3transfer==0.19.3
six==1.17.0
sympy==1.14.0
typing-inspection==0.4.5
typing_extensions==4.16.0
urllib3==2.8.0
Werkzeug==3.1.9
wrapt==2.5.2
xmltodict==1.0.4
EOF
# moto's own version, as pinned above.
MOTO_VERSION="$(sed -n 's/^moto==//p' <<<"$PINS")"

if [ $# -eq 0 ]; then
	echo "usage: scripts/moto.sh COMMAND [ARGS...]" >&2
	exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${EC2INSTANCES_MOTO_VENV:-$root/.cache/moto-venv}"
log="$root/.cache/moto-server.log"
python="${PYTHON:-python3}"
pins_file="$venv/ec2instances-pins.txt"

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

# pins_installed reports whether the virtualenv holds every pinned version.
pins_installed() {
	"$venv/bin/python" - "$pins_file" <<'PY'
import importlib.metadata as m, re, sys
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
bad, pinned = [], set()
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    name, want = line.split("==")
    pinned.add(norm(name))
    try:
        have = m.version(name)
    except m.PackageNotFoundError:
        have = None
    if have != want:
        bad.append(f"{name} {have} (want {want})")
for d in m.distributions():
    name = d.metadata["Name"]
    if norm(name) not in pinned | {"pip", "setuptools", "wheel"}:
        bad.append(f"{name} {d.version} (not in the pinned set)")
if bad:
    print("scripts/moto.sh: not as pinned: " + ", ".join(bad), file=sys.stderr)
    sys.exit(1)
import flask, flask_cors, moto.server  # the server must import
PY
}

install_moto() {
	mkdir -p "$root/.cache"
	if [ ! -x "$venv/bin/python" ]; then
		"$python" -m venv "$venv" || return 1
	fi
	# The marker holds the pinned set of the last good install.
	if [ -f "$pins_file" ] && [ "$(cat "$pins_file")" = "$PINS" ] && pins_installed 2>/dev/null; then
		return 0
	fi
	printf '%s\n' "$PINS" >"$pins_file.new" || return 1
	echo "scripts/moto.sh: installing moto[server]==$MOTO_VERSION with pinned dependencies into $venv" >&2
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
		-c "$pins_file.new" "moto[server]==$MOTO_VERSION" >&2 || return 1
	mv "$pins_file.new" "$pins_file" || return 1
	# Dependencies outside the pinned set, or versions the resolver could not
	# pin, make the install fail rather than drift.
	pins_installed || { rm -f "$pins_file"; return 1; }
}

if ! install_moto; then
	run_without_moto "could not install moto[server]==$MOTO_VERSION with the pinned dependencies" "$@"
fi

free_port() {
	"$venv/bin/python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

moto_pid=""
stop_moto() {
	if [ -n "$moto_pid" ] && kill -0 "$moto_pid" 2>/dev/null; then
		kill "$moto_pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$moto_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$moto_pid" 2>/dev/null || true
	fi
	if [ -n "$moto_pid" ]; then
		wait "$moto_pid" 2>/dev/null || true
	fi
	moto_pid=""
}
trap stop_moto EXIT
trap 'stop_moto; exit 130' INT
trap 'stop_moto; exit 143' TERM

# answers reports whether moto answers on the endpoint. It asks moto
# directly, never through a proxy from the environment.
answers() {
	"$venv/bin/python" - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
opener.open(sys.argv[1] + "/moto-api/", timeout=2).read(1)
PY
}

# start_moto starts moto on a free port and waits for it: 0 when it
# answers, 1 when it exited (the port may have been taken: try another),
# 2 when it did not answer in time.
start_moto() {
	port="$(free_port)" || return 1
	endpoint="http://127.0.0.1:$port"
	# Fake credentials for moto itself, so it never looks for real ones.
	AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
		"$venv/bin/python" -m moto.server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
	moto_pid=$!
	local deadline=$((SECONDS + START_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! kill -0 "$moto_pid" 2>/dev/null; then
			stop_moto
			return 1
		fi
		if answers "$endpoint"; then
			return 0
		fi
		sleep 0.2
	done
	stop_moto
	return 2
}

started=""
for attempt in $(seq 1 "$START_ATTEMPTS"); do
	start_moto
	case $? in
	0)
		started=1
		break
		;;
	1)
		echo "scripts/moto.sh: moto exited on port $port (attempt $attempt of $START_ATTEMPTS); retrying on another port" >&2
		tail -n 3 "$log" >&2
		;;
	*)
		break
		;;
	esac
done
if [ -z "$started" ]; then
	trap - EXIT
	tail -n 30 "$log" >&2
	run_without_moto "moto did not start and answer on 127.0.0.1 within ${START_TIMEOUT}s (see $log)" "$@"
fi

echo "scripts/moto.sh: moto $MOTO_VERSION listening on $endpoint" >&2
export EC2INSTANCES_MOTO_ENDPOINT="$endpoint"
"$@"
status=$?
exit "$status"
