# Convenience targets. `make bench BENCHFLAGS="-events 1000000 -runs 3"`;
# see `go run ./bench -h` for the flags.
GO ?= go
BENCHFLAGS ?=

.PHONY: build test bench bench-small

build:
	$(GO) build -o trailsleuth ./cmd/trailsleuth

test:
	$(GO) vet ./... && $(GO) test ./...

bench:
	$(GO) run ./bench $(BENCHFLAGS)

bench-small:
	$(GO) run ./bench -events 200000 $(BENCHFLAGS)
