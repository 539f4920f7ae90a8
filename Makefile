# Convenience targets. `make bench BENCHFLAGS="-events 1000000 -runs 3"`;
# see `go run ./bench -h` for the flags.
GO ?= go
BENCHFLAGS ?=

.PHONY: build test bench bench-small accuracy

build:
	$(GO) build -o trailsleuth ./cmd/trailsleuth

test:
	$(GO) vet ./... && $(GO) test ./...

bench:
	$(GO) run ./bench $(BENCHFLAGS)

bench-small:
	$(GO) run ./bench -events 200000 $(BENCHFLAGS)

# The accuracy suite (docs/accuracy.md): plays every scenario, prints the
# table and rewrites the results in docs/accuracy.md; fails while any run
# misses the bar.
accuracy:
	$(GO) test ./internal/accuracy -run '^TestAccuracy$$' -count=1 -timeout 30m -args -doc
