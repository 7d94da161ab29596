// Package bench holds the benchmark suite of ec2instances: the library
// against hand-written aws-sdk-go-v2 code and against the boto3 batch
// action pattern, on ec2test and on a canned-response endpoint. The
// benchmarks are in the package's _test.go files; each states its setup
// in its doc comment.
//
// Run them with make bench (scripts/bench.sh), which sets
// EC2I_BENCH_FULL=1 for the full sizes, repeats the suite, summarises it
// with benchstat and regenerates BENCHMARKS.md and its plot. Without
// EC2I_BENCH_FULL the benchmarks use small sizes, so that the one-iteration
// smoke pass of make test stays fast.
package bench
