#!/usr/bin/env bash
# Runs every check of the project: formatting, vet, staticcheck, the race-enabled
# tests of every module (the conformance suite also against moto, which
# scripts/moto.sh installs into .cache/ and starts on a free loopback port),
# and a one-iteration smoke run of the benchmarks. The tests run every example
# program and check its output; the quickstart's (examples/quickstart/main_test.go,
# TestQuickstartDefault) builds it and runs it as `go run ./examples/quickstart`
# does, at its default settings (3000 instances on the embedded endpoint),
# and checks the key line of every step. The README's Go snippets are
# type-checked by examples/readme.
# Needs only Go and Python 3 with pip; everything else is fetched on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2
step() { printf '\n== %s\n' "$*"; }

# Every Go module of the repository: the library and the example programs
# that carry their own go.mod.
modules=(.)
while IFS= read -r mod; do modules+=("$(dirname "$mod")"); done < <(git ls-files -co --exclude-standard -- '*/go.mod' | sort)

step "gofmt"
unformatted=$(gofmt -l $(git ls-files -co --exclude-standard -- '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

for m in "${modules[@]}"; do
  step "go vet ($m)"
  (cd "$m" && go vet ./...)
  step "staticcheck ($m)"
  (cd "$m" && go run honnef.co/go/tools/cmd/staticcheck@"$STATICCHECK_VERSION" ./...)
done

step "go test -race (with moto for the conformance suite)"
./scripts/moto.sh go test -race -count=1 ./...

for m in "${modules[@]:1}"; do
  step "go test -race ($m)"
  (cd "$m" && go test -race -count=1 ./...)
done

step "benchmarks, one iteration each (smoke run; see 'make bench' for figures)"
go test -run '^$' -bench . -benchtime 1x -count=1 ./...

echo
echo "all checks passed"
