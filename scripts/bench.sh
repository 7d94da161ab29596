#!/usr/bin/env bash
# Runs the benchmark suite of bench/ at full size and regenerates
# BENCHMARKS.md and its plot from the results (make bench).
#
#   ROUNDS=6 ./scripts/bench.sh      rounds of the whole suite (default 6, at least 6)
#   SKIP_RUN=1 ./scripts/bench.sh    only redo benchstat, the plot and BENCHMARKS.md
#                                    from bench/results/raw.txt
#   ALLOW_DIRTY=1 ./scripts/bench.sh measure a working tree with uncommitted changes
#
# The figures belong to the tree they were measured on, so a run refuses a
# tree with uncommitted changes or untracked files (outside its own outputs,
# bench/results/ and BENCHMARKS.md) unless ALLOW_DIRTY=1. env.txt records
# the commit (with -dirty for a dirty tree) and, for a dirty tree, the sha256 of
# `git diff HEAD` and of the untracked files, so that the exact tree can be
# told apart from any other.
#
# The suite runs ROUNDS times, one round after another (each round is
# -count=1 of every benchmark, implementations in alternating order), so
# that a slow patch of a shared machine hits all the implementations it
# compares rather than the samples of one; the figures pair the samples of
# one round. Writes into bench/results/: raw.txt (the go test output of
# every round), env.txt (machine and toolchain), benchstat-*.txt, and
# benchmarks.png; then BENCHMARKS.md from bench/BENCHMARKS.md.tmpl.
# Needs Go and Python 3 (matplotlib is installed into .cache/bench-venv on
# first use). Takes about 15 minutes on a quiet 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-6}
EC2TEST_OPS=20 # ops of every BenchmarkEC2Test size per round
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
OUT=bench/results
VENV=.cache/bench-venv

step() { printf '\n== %s\n' "$*" >&2; }

if [ "$ROUNDS" -lt 6 ]; then
  echo "ROUNDS=$ROUNDS: at least 6 rounds are needed for benchstat's confidence intervals" >&2
  exit 2
fi

mkdir -p "$OUT" .cache

# outputs are the paths a run writes; they do not make the measured tree
# dirty.
outputs=(":(exclude)$OUT" ':(exclude)BENCHMARKS.md')
tree_changes() { git status --porcelain --untracked-files=all -- . "${outputs[@]}"; }
# tree_hash is the sha256 of the uncommitted changes: git diff HEAD, then
# the name and sha256 of every untracked file.
tree_hash() {
  {
    git diff HEAD --binary -- . "${outputs[@]}"
    git ls-files -z --others --exclude-standard -- . "${outputs[@]}" | sort -z | xargs -0 -r sha256sum --
  } | sha256sum | cut -d' ' -f1
}

if [ -z "${SKIP_RUN:-}" ]; then
  if ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "not a git checkout: cannot record which tree is measured" >&2
    exit 2
  fi
  dirty=$(tree_changes)
  if [ -n "$dirty" ] && [ -z "${ALLOW_DIRTY:-}" ]; then
    echo "the working tree has uncommitted changes; commit them, or run with ALLOW_DIRTY=1 to measure it as it is:" >&2
    echo "$dirty" >&2
    exit 2
  fi

  # Read before env.txt is rewritten: the redirect below empties that
  # tracked file, which would make git describe --dirty say "dirty".
  commit="$(git rev-parse --short HEAD)${dirty:+-dirty}"

  step "building the benchmark binary"
  go test -c -o .cache/bench.test ./bench

  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "go: $(go version)"
    echo "cores: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
    echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo unknown)"
    echo "os: $(uname -sr)"
    echo "commit: $commit"
    if [ -n "$dirty" ]; then
      echo "tree: uncommitted changes (ALLOW_DIRTY=1), sha256 of git diff HEAD and untracked files $(tree_hash)"
    else
      echo "tree: clean (outside bench/results and BENCHMARKS.md)"
    fi
    echo "rounds: $ROUNDS"
    echo "load-before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  } >"$OUT/env.txt"
  cat "$OUT/env.txt" >&2

  raw="$OUT/raw.txt"
  : >"$raw"
  start=$(date +%s)
  for ((r = 0; r < ROUNDS; r++)); do
    step "round $((r + 1)) of $ROUNDS ($(($(date +%s) - start)) s so far)"
    # Listing: as many ops as fit in one second (one listing of 10,000 or
    # more takes longer, so one op per round).
    (cd bench && EC2I_BENCH_FULL=1 EC2I_BENCH_ROUND=$r ../.cache/bench.test \
      -test.run '^$' -test.bench '^BenchmarkList$' -test.benchmem -test.benchtime 1s -test.count 1 \
      -test.timeout 30m) | tee -a "$raw" >&2
    # ec2test: the same fixed number of ops for every size, so that the
    # per-op costs that do not scale with n (a buffer grown once and reused,
    # GC cycles) are spread over as many ops at 1,000 as at 10,000, and
    # the sizes compare like for like.
    (cd bench && EC2I_BENCH_FULL=1 EC2I_BENCH_ROUND=$r ../.cache/bench.test \
      -test.run '^$' -test.bench '^BenchmarkEC2Test$' -test.benchmem -test.benchtime "${EC2TEST_OPS}x" -test.count 1 \
      -test.timeout 30m) | tee -a "$raw" >&2
    # Memory, batch actions and throttling: one op each per round (each
    # op builds a new fleet or process).
    (cd bench && EC2I_BENCH_FULL=1 EC2I_BENCH_ROUND=$r ../.cache/bench.test \
      -test.run '^$' -test.bench '^Benchmark(StreamMemory|BatchTerminate|Throttled)$' -test.benchmem -test.benchtime 1x -test.count 1 \
      -test.timeout 30m) | tee -a "$raw" >&2
  done
  echo "load-after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" >>"$OUT/env.txt"
  echo "duration: $(($(date +%s) - start)) s" >>"$OUT/env.txt"
fi

step "benchstat"
bs() { go run "$BENCHSTAT" "$@"; }
bs -filter '.name:List' -col /impl "$OUT/raw.txt" >"$OUT/benchstat-list.txt"
bs -filter '.name:StreamMemory' -col /impl "$OUT/raw.txt" >"$OUT/benchstat-memory.txt"
bs -filter '.name:BatchTerminate' -col /impl "$OUT/raw.txt" >"$OUT/benchstat-batch.txt"
bs -filter '.name:EC2Test' -col /n "$OUT/raw.txt" >"$OUT/benchstat-ec2test.txt"
bs -filter '.name:Throttled' -col /throttle "$OUT/raw.txt" >"$OUT/benchstat-throttled.txt"

step "plot and BENCHMARKS.md"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet 'matplotlib==3.11.2'
fi
"$VENV/bin/python" scripts/plot_bench.py --results "$OUT" --template bench/BENCHMARKS.md.tmpl --out BENCHMARKS.md

echo "wrote BENCHMARKS.md and $OUT/" >&2
