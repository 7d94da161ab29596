# The two set-up commands of the README:
#   go run ./examples/quickstart   the main job, on the embedded EC2 endpoint
#   make test                      every check CI runs (.ci/run calls it)

.PHONY: test bench generate fmt quickstart

test:
	./scripts/test.sh

bench:
	./scripts/bench.sh

generate:
	go generate ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

quickstart:
	go run ./examples/quickstart
